using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Claims;
using Gateway.Metrics;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Calls;

/// <summary>
/// When the drain window ends, every call still live is ended: relaying or still in its handshake, with 1001 on each
/// WebSocket leg it has, or, before its 101, with 503 <c>draining</c>.
/// </summary>
public sealed class DrainTests
{
    private static readonly TimeSpan DrainWindow = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Calls_live_at_the_end_of_the_drain_window_close_with_1001_on_both_sides()
    {
        await using var bot = await BotServer.StartAsync();
        var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:DrainWindow"] = "00:00:01" });
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));
        await using var live = await TestCalls.ConnectAsync(gateway, bot);

        var liveCalls = gateway.LiveCalls;
        var stopping = gateway.DisposeAsync().AsTask();

        // Within the window the call still relays.
        var media = TelnyxFrames.Media(live.Call, 2, 1, 0, TelnyxFrames.SilenceFrame(1));
        await live.Telnyx.SendTextAsync(media);
        Assert.Equal(media, (await live.Bot.ReceiveAsync()).Payload);

        TestCalls.AssertClose(await live.Bot.ReceiveAsync(), WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");
        TestCalls.AssertClose(await TestCalls.ReceiveAsync(live.Telnyx), WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");
        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, string.Empty);
        await stopping;
        Assert.Equal(0, liveCalls.Count);
    }

    [Fact]
    public async Task A_stream_still_waiting_for_its_start_frame_at_the_end_of_the_window_closes_with_1001()
    {
        await using var bot = await BotServer.StartAsync();
        var gateway = await StartGatewayAsync(bot);
        var claims = (LocalInstanceClaims)gateway.Services.GetRequiredService<IInstanceClaims>();
        var liveCalls = gateway.LiveCalls;

        // No serviceHost: the gateway accepts and waits for the start frame to route; Telnyx sends only connected.
        await using var telnyx = await TestCalls.DialAsync(gateway.CallUri());
        await telnyx.SendTextAsync(TelnyxFrames.Connected());
        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();
        var signalled = Stopwatch.StartNew();
        var stopping = gateway.DisposeAsync().AsTask();

        var close = await TestCalls.ReceiveAsync(telnyx);
        TestCalls.AssertClose(close, WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");
        Assert.True(signalled.Elapsed >= DrainWindow - TimeSpan.FromMilliseconds(100), $"the stream was closed {signalled.Elapsed} after the drain began, inside the window");
        await telnyx.AnswerCloseAsync(close, Wait.Token());
        await stopping;
        Assert.Equal(0, liveCalls.Count);
        Assert.Equal(0, claims.Count);
        Assert.Equal(0, bot.UpgradeRequests);
        Assert.Equal(1, (await MetricsText.CollectAsync(metrics)).Value("gateway_calls_ended_total{org=\"\",agent=\"\",outcome=\"drained\"}"));
    }

    [Fact]
    public async Task A_url_routed_call_whose_start_frame_has_not_come_closes_with_1001_on_both_legs()
    {
        await using var bot = await BotServer.StartAsync();
        var gateway = await StartGatewayAsync(bot);
        var claims = (LocalInstanceClaims)gateway.Services.GetRequiredService<IInstanceClaims>();
        var liveCalls = gateway.LiveCalls;

        // The URL routed: the bot is connected before the 101, and the gateway now waits for Telnyx's start frame.
        await using var telnyx = await TestCalls.DialAsync(gateway.CallUri(TestCalls.SupportQuery));
        var botCall = await bot.NextCallAsync();
        Assert.Equal(1, claims.Count);
        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();
        var stopping = gateway.DisposeAsync().AsTask();

        TestCalls.AssertClose(await botCall.ReceiveAsync(), WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");
        var close = await TestCalls.ReceiveAsync(telnyx);
        TestCalls.AssertClose(close, WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");
        await telnyx.AnswerCloseAsync(close, Wait.Token());
        await stopping;
        Assert.Equal(0, liveCalls.Count);
        Assert.Equal(0, claims.Count);
        Assert.Equal(1, bot.TotalConnections);
        Assert.Equal(0, bot.OpenConnections);
        Assert.Equal(1, (await MetricsText.CollectAsync(metrics)).Value("gateway_calls_ended_total{org=\"acme\",agent=\"support\",outcome=\"drained\"}"));
    }

    [Fact]
    public async Task A_call_whose_bot_has_not_answered_its_upgrade_at_the_end_of_the_window_is_503_draining_and_releases_its_claim()
    {
        await using var bot = await BotServer.StartAsync();
        bot.UpgradeDelay = TimeSpan.FromMinutes(1);
        var gateway = await StartGatewayAsync(bot);
        var claims = (LocalInstanceClaims)gateway.Services.GetRequiredService<IInstanceClaims>();
        var liveCalls = gateway.LiveCalls;

        // The caller has no WebSocket yet: the gateway answers its upgrade only once the bot answers its own.
        var refused = UpgradeRequest.SendAsync(gateway.CallUri(TestCalls.SupportQuery));
        await Wait.UntilAsync(() => bot.UpgradeRequests == 1, "the bot holds the gateway's upgrade");
        Assert.Equal(1, claims.Count);
        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();
        var stopping = gateway.DisposeAsync().AsTask();

        var (status, contentType, problem) = await refused;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Equal("draining", problem.GetProperty("code").GetString());
        await stopping;
        Assert.Equal(0, liveCalls.Count);
        Assert.Equal(0, claims.Count);
        Assert.Equal(0, bot.TotalConnections);
        Assert.Equal(1, (await MetricsText.CollectAsync(metrics)).Value("gateway_calls_ended_total{org=\"acme\",agent=\"support\",outcome=\"rejected_draining\"}"));

        // The gateway gave up on the bot: the bot refused nothing.
        Assert.DoesNotContain(gateway.Logs.Lines, l => l.Contains("refused the connection", StringComparison.Ordinal));
    }

    /// <summary>
    /// A gateway (embedded registry, local claims, readable after it stopped) with a one-second drain window, a
    /// handshake deadline and a bot connect timeout far past it: only the drain can end a call these tests hold.
    /// </summary>
    private static async Task<GatewayHost> StartGatewayAsync(BotServer bot)
    {
        var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Gateway:DrainWindow"] = DrainWindow.ToString(),
            ["Ingress:HandshakeTimeout"] = "00:01:00",
            ["Relay:BotConnectTimeout"] = "00:01:00",
            ["Relay:BotConnectBudget"] = "00:02:00",
        });
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));
        return gateway;
    }
}
