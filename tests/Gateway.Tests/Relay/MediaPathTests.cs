using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Core;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Relay;

/// <summary>A simulated Telnyx call crossing the gateway to a Pipecat-contract bot, checked byte for byte.</summary>
public sealed class MediaPathTests
{
    private static readonly AgentKey Support = new("acme", "support");

    [Fact]
    public async Task A_start_frame_of_tens_of_kilobytes_crosses_verbatim()
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync();
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));
        var call = TelnyxCallInfo.CreateRandom(new Dictionary<string, string> { ["context"] = new string('c', 40_000) });

        await using var live = await TestCalls.ConnectAsync(gateway, bot, call: call);

        Assert.True(TelnyxFrames.Start(call).Length > 40_000);
        Assert.Equal(call.CallControlId, Assert.Single(await gateway.Sessions.ListAsync("acme")).CallControlId);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Frames_cross_verbatim_in_order_both_ways(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayModes.StartAsync(mode);
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));
        var call = TelnyxCallInfo.CreateRandom();
        var body = TestCalls.Base64("""{"customer":"42","lang":"en"}""");

        await using var telnyx = await TestCalls.DialAsync(gateway.CallUri($"serviceHost=support.acme&body={Uri.EscapeDataString(body)}"));
        var botCall = await bot.NextCallAsync();

        byte[][] callerFrames =
        [
            TelnyxFrames.Connected(),
            TelnyxFrames.Start(call),
            TelnyxFrames.Media(call, 2, 1, 0, TelnyxFrames.SilenceFrame(1)),
            TelnyxFrames.Media(call, 3, 2, 20, TelnyxFrames.SilenceFrame(2)),
            TelnyxFrames.Dtmf(call, 4, '5', DateTimeOffset.UnixEpoch),
            TelnyxFrames.Media(call, 5, 3, 40, TelnyxFrames.SilenceFrame(3)),
            TelnyxFrames.Stop(call, 6),
        ];
        foreach (var frame in callerFrames)
        {
            await telnyx.SendTextAsync(frame);
        }

        foreach (var expected in callerFrames)
        {
            var received = await botCall.ReceiveAsync();
            Assert.Equal(WebSocketMessageType.Text, received.Type);
            Assert.Equal(expected, received.Payload);
        }

        Assert.True(Guid.TryParse(botCall.Headers["X-Daily-Session-Id"], out _));
        Assert.Equal("acme", botCall.Headers["X-Gateway-Org"]);
        Assert.Equal("support", botCall.Headers["X-Gateway-Agent"]);
        Assert.False(botCall.Headers.ContainsKey("Origin"));
        Assert.Equal(body, botCall.Body);

        byte[][] botFrames =
        [
            TelnyxFrames.BotMedia(TelnyxFrames.SilenceFrame(7)),
            TelnyxFrames.BotMark("greeting-done"),
            TelnyxFrames.BotClear(),
        ];
        foreach (var frame in botFrames)
        {
            await botCall.SendTextAsync(frame);
        }

        foreach (var expected in botFrames)
        {
            var received = await TestCalls.ReceiveAsync(telnyx);
            Assert.Equal(WebSocketMessageType.Text, received.Type);
            Assert.Equal(expected, received.Payload);
        }

        await botCall.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "call ended");
        var close = await TestCalls.ReceiveAsync(telnyx);
        Assert.True(close.IsClose);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, close.CloseStatus);
        Assert.Equal("call ended", close.CloseDescription);
        await telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "call ended");
        await gateway.AssertCallGoneAsync(Support);
        await Wait.UntilAsync(() => bot.OpenConnections == 0, "the bot connection is closed");
    }
}
