using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Calls;
using Gateway.Core;
using Gateway.Credentials;
using Gateway.Ingress;
using Gateway.Relay;
using Gateway.Telnyx;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Calls;

/// <summary>The relay stage on its own, over in-memory WebSockets: the replay, the session record, the relay's end.</summary>
public sealed class CallRelayingTests
{
    private readonly CallStages _stages = new((CallStages.Support, CallStages.Agent(instances: ("bot-1", 1))));

    [Fact]
    public async Task Connected_and_start_reach_the_bot_first_byte_for_byte_and_the_session_is_recorded_while_frames_flow()
    {
        var call = TelnyxCallInfo.CreateRandom();
        var (gatewayCaller, telnyx) = InMemoryWebSockets.Pair();
        var (bot, gatewayBot) = InMemoryWebSockets.BotHop();
        await using var scope = _stages.Scopes.Open();
        var handshake = await HandshakeAsync(gatewayCaller, telnyx, scope.Call, call);
        var leg = await AdmitAsync(scope, gatewayBot);

        var relaying = Relaying().RelayAsync(scope.Call, gatewayCaller, handshake, leg, _stages.Registered(CallStages.Support), null, 7, "url");

        Assert.Equal(TelnyxFrames.Connected(), await ReceiveAsync(bot));
        Assert.Equal(TelnyxFrames.Start(call), await ReceiveAsync(bot));
        var media = TelnyxFrames.Media(call, 3, 1, 0, TelnyxFrames.SilenceFrame(1));
        await telnyx.SendAsync(media, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        Assert.Equal(media, await ReceiveAsync(bot));
        var session = await _stages.Sessions.GetAsync(scope.Call.SessionId);
        Assert.Equal(("acme", "support", "bot-1", call.CallControlId, "url"), (session!.Org, session.Agent, session.InstanceId, session.CallControlId, session.RoutedBy));
        Assert.Same(session, scope.Call.Session);

        // Telnyx hangs up: the bot gets the same close, and the relay ends.
        await telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        var close = await bot.ReceiveAsync(new byte[16], Wait.Token());
        Assert.Equal((WebSocketMessageType.Close, WebSocketCloseStatus.NormalClosure, "bye"), (close.MessageType, close.CloseStatus, close.CloseStatusDescription));
        await bot.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        await relaying.WaitAsync(Wait.Timeout);
    }

    [Fact]
    public async Task A_bot_gone_before_the_start_frame_reaches_it_closes_telnyx_with_1011_and_records_no_session()
    {
        var call = TelnyxCallInfo.CreateRandom();
        var (gatewayCaller, telnyx) = InMemoryWebSockets.Pair();
        var (_, gatewayBot) = InMemoryWebSockets.BotHop();
        await using var scope = _stages.Scopes.Open();
        var handshake = await HandshakeAsync(gatewayCaller, telnyx, scope.Call, call);
        var leg = await AdmitAsync(scope, gatewayBot);
        gatewayBot.Abort();
        var closing = telnyx.ReceiveAsync(new byte[64], Wait.Token());

        var relaying = Relaying().RelayAsync(scope.Call, gatewayCaller, handshake, leg, _stages.Registered(CallStages.Support), null, 7, "url");

        var close = await closing;
        Assert.Equal((WebSocketCloseStatus.InternalServerError, "bot connection lost"), (close.CloseStatus, close.CloseStatusDescription));
        await telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        await relaying.WaitAsync(Wait.Timeout);
        Assert.Null(scope.Call.Session);
        Assert.Null(await _stages.Sessions.GetAsync(scope.Call.SessionId));
    }

    private async Task<CallerHandshake> HandshakeAsync(LegSocket gatewayCaller, WebSocket telnyx, LiveCall live, TelnyxCallInfo call)
    {
        await telnyx.SendAsync(TelnyxFrames.Connected(), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        await telnyx.SendAsync(TelnyxFrames.Start(call), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        var reader = new HandshakeReader(_stages.Metrics, Options.Create(new IngressOptions()), Options.Create(new RelayOptions()), TimeProvider.System, NullLogger<HandshakeReader>.Instance);
        return (await reader.ReadAsync(gatewayCaller, live, bot: null))!;
    }

    private async Task<BotLeg> AdmitAsync(LiveCallScope scope, LegSocket gatewayBot)
    {
        var claim = (await _stages.Claims.ClaimAsync(_stages.Registered(CallStages.Support), scope.Call.SessionId, new HashSet<string>(), CancellationToken.None)).Claim!;
        scope.Call.Admitted(claim);
        return new BotLeg(gatewayBot, claim);
    }

    private CallRelaying Relaying()
    {
        var http = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        var botFailures = new BotFailureActions(new InMemoryTenantSettingsStore(), http, Options.Create(new TelnyxOptions()), NullLogger<BotFailureActions>.Instance);
        var admission = _stages.Admission(new BotDialer(TestEventLoops.Loops));
        var failovers = new BotFailovers(admission, _stages.Claims, _stages.Sessions, _stages.Metrics, new HoldClipFrames(_stages.Registry, NullLogger<HoldClipFrames>.Instance, TimeProvider.System), Options.Create(new RelayOptions()), TimeProvider.System, NullLogger<BotFailover>.Instance);
        return new CallRelaying(_stages.Sessions, botFailures, failovers, _stages.Metrics, Options.Create(new RelayOptions()), Options.Create(new GatewayOptions()), TimeProvider.System, NullLogger<CallRelaying>.Instance);
    }

    private static async Task<byte[]> ReceiveAsync(WebSocket socket)
    {
        var buffer = new byte[8192];
        var received = await socket.ReceiveAsync(buffer, Wait.Token());
        Assert.True(received.EndOfMessage);
        return buffer[..received.Count];
    }
}
