using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Ingress;

/// <summary>
/// With no serviceHost in the URL the gateway accepts first, routes on the start frame's custom parameters, and
/// replays connected and start to the bot byte for byte; refusals then come as close codes.
/// </summary>
public sealed class StartFrameRoutingTests : IAsyncLifetime
{
    private static readonly AgentKey Support = new("acme", "support");
    private BotServer _bot = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _bot = await BotServer.StartAsync();
        _gateway = await GatewayHost.StartAsync(await TestRedis.ConnectionStringAsync());
        await _gateway.PutAgentAsync("acme", "support", ("bot-1", _bot.WsUri, 1));
        await _gateway.PutAgentAsync(new AgentKey("acme", "paused"), new AgentResource
        {
            Enabled = false,
            Instances = [new AgentInstance { Id = "bot-1", Url = _bot.WsUri }],
        });
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _bot.DisposeAsync();
    }

    [Theory]
    [InlineData("serviceHost")]
    [InlineData("_pipecatCloudServiceHost")]
    public async Task The_start_frame_routes_and_both_frames_are_replayed_first(string parameter)
    {
        var call = TelnyxCallInfo.CreateRandom(new Dictionary<string, string> { [parameter] = "Support.Acme", ["customer_id"] = "c-7" });
        var body = TestCalls.Base64("""{"campaign":"spring"}""");

        await using var live = await TestCalls.ConnectAsync(_gateway, _bot, $"body={Uri.EscapeDataString(body)}", call);
        var media = TelnyxFrames.Media(call, 2, 1, 0, TelnyxFrames.SilenceFrame(1));
        await live.Telnyx.SendTextAsync(media);

        Assert.Equal(media, (await live.Bot.ReceiveAsync()).Payload);
        Assert.Equal(body, live.Bot.Body);
        var session = Assert.Single(await _gateway.Sessions.ListAsync("acme"));
        Assert.Equal("start_frame", session.RoutedBy);
        Assert.Equal(call.CallControlId, session.CallControlId);
        Assert.Equal(live.Bot.Headers["X-Daily-Session-Id"], session.SessionId);
    }

    [Fact]
    public async Task A_start_frame_without_connected_before_it_is_accepted()
    {
        var call = TelnyxCallInfo.CreateRandom(new Dictionary<string, string> { ["serviceHost"] = "support.acme" });
        await using var telnyx = await TestCalls.DialAsync(_gateway.CallUri());
        await telnyx.SendTextAsync(TelnyxFrames.Start(call));

        var botCall = await _bot.NextCallAsync();
        Assert.Equal(TelnyxFrames.Start(call), (await botCall.ReceiveAsync()).Payload);
    }

    [Fact]
    public async Task No_serviceHost_anywhere_closes_1008()
    {
        await AssertClosedAfterHandshakeAsync(new Dictionary<string, string>(), WebSocketCloseStatus.PolicyViolation, "no serviceHost");
    }

    [Fact]
    public async Task An_unknown_agent_closes_1008()
    {
        await AssertClosedAfterHandshakeAsync(new() { ["serviceHost"] = "sales.acme" }, WebSocketCloseStatus.PolicyViolation, "No agent answers to serviceHost 'sales.acme'.");
    }

    [Fact]
    public async Task A_disabled_agent_closes_1008()
    {
        await AssertClosedAfterHandshakeAsync(new() { ["serviceHost"] = "paused.acme" }, WebSocketCloseStatus.PolicyViolation, "Agent 'paused.acme' is disabled.");
    }

    [Fact]
    public async Task A_malformed_serviceHost_closes_1008()
    {
        await AssertClosedAfterHandshakeAsync(new() { ["serviceHost"] = "no_dots_here" }, WebSocketCloseStatus.PolicyViolation, "serviceHost");
    }

    [Fact]
    public async Task No_capacity_closes_1013()
    {
        await using var first = await TestCalls.ConnectAsync(_gateway, _bot);

        await AssertClosedAfterHandshakeAsync(new() { ["serviceHost"] = "support.acme" }, (WebSocketCloseStatus)1013,
            "No instance of agent 'support.acme' has free capacity.", expectedClaims: 1, expectedBotConnections: 1);
    }

    [Fact]
    public async Task An_unreachable_bot_closes_1013()
    {
        await _gateway.PutAgentAsync("acme", "support", ("gone", new Uri("ws://127.0.0.1:9/ws"), 1));

        await AssertClosedAfterHandshakeAsync(new() { ["serviceHost"] = "support.acme" }, (WebSocketCloseStatus)1013,
            "No instance of agent 'support.acme' accepted the connection.");
    }

    private async Task AssertClosedAfterHandshakeAsync(Dictionary<string, string> parameters, WebSocketCloseStatus status, string reasonContains, long expectedClaims = 0, int expectedBotConnections = 0)
    {
        await using var telnyx = await TestCalls.DialAsync(_gateway.CallUri());
        await TestCalls.SendHandshakeAsync(telnyx, TelnyxCallInfo.CreateRandom(parameters));

        var close = await TestCalls.ReceiveAsync(telnyx);
        TestCalls.AssertClose(close, status);
        Assert.Contains(reasonContains, close.CloseDescription, StringComparison.Ordinal);
        Assert.Equal(expectedBotConnections, _bot.TotalConnections);
        Assert.Equal(expectedClaims, await _gateway.ClaimCountAsync(Support));
    }
}
