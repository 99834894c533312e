using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Ingress;

/// <summary>
/// With no serviceHost in the URL the gateway accepts first, routes on the start frame's custom parameters, and
/// replays connected and start to the bot byte for byte; refusals then come as close codes.
/// </summary>
public sealed class StartFrameRoutingTests : GatewayWithBotTest
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await PutPausedAgentAsync();
    }

    [Theory]
    [InlineData("serviceHost")]
    [InlineData("_pipecatCloudServiceHost")]
    public async Task The_start_frame_routes_andBoth_frames_are_replayed_first(string parameter)
    {
        var call = TelnyxCallInfo.CreateRandom(new Dictionary<string, string> { [parameter] = "Support.Acme", ["customer_id"] = "c-7" });
        var body = TestCalls.Base64("""{"campaign":"spring"}""");

        await using var live = await TestCalls.ConnectAsync(Gateway, Bot, $"body={Uri.EscapeDataString(body)}", call);
        var media = TelnyxFrames.Media(call, 2, 1, 0, TelnyxFrames.SilenceFrame(1));
        await live.Telnyx.SendTextAsync(media);

        Assert.Equal(media, (await live.Bot.ReceiveAsync()).Payload);
        Assert.Equal(body, live.Bot.Body);
        var session = Assert.Single(await Gateway.Sessions.ListAsync("acme"));
        Assert.Equal("start_frame", session.RoutedBy);
        Assert.Equal(call.CallControlId, session.CallControlId);
        Assert.Equal(live.Bot.Headers["X-Daily-Session-Id"], session.SessionId);
    }

    [Fact]
    public async Task A_start_frame_without_connected_before_it_is_accepted()
    {
        var call = TelnyxCallInfo.CreateRandom(new Dictionary<string, string> { ["serviceHost"] = "support.acme" });
        await using var telnyx = await TestCalls.DialAsync(Gateway.CallUri());
        await telnyx.SendTextAsync(TelnyxFrames.Start(call));

        var botCall = await Bot.NextCallAsync();
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
        await using var first = await TestCalls.ConnectAsync(Gateway, Bot);

        await AssertClosedAfterHandshakeAsync(new() { ["serviceHost"] = "support.acme" }, (WebSocketCloseStatus)1013,
            "No instance of agent 'support.acme' has free capacity.", expectedClaims: 1, expectedBotConnections: 1);
    }

    [Fact]
    public async Task An_unreachableBot_closes_1013()
    {
        await Gateway.PutAgentAsync("acme", "support", ("gone", new Uri("ws://127.0.0.1:9/ws"), 1));

        await AssertClosedAfterHandshakeAsync(new() { ["serviceHost"] = "support.acme" }, (WebSocketCloseStatus)1013,
            "No instance of agent 'support.acme' accepted the connection.");
    }

    private async Task AssertClosedAfterHandshakeAsync(Dictionary<string, string> parameters, WebSocketCloseStatus status, string reasonContains, long expectedClaims = 0, int expectedBotConnections = 0)
    {
        await using var telnyx = await TestCalls.DialAsync(Gateway.CallUri());
        await TestCalls.SendHandshakeAsync(telnyx, TelnyxCallInfo.CreateRandom(parameters));

        var close = await TestCalls.ReceiveAsync(telnyx);
        TestCalls.AssertClose(close, status);
        Assert.Contains(reasonContains, close.CloseDescription, StringComparison.Ordinal);
        Assert.Equal(expectedBotConnections, Bot.TotalConnections);
        Assert.Equal(expectedClaims, await Gateway.ClaimCountAsync(Support));
    }
}
