using System.Net.WebSockets;
using Gateway.Metrics;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Metrics;

/// <summary>The drain as metrics show it: the draining gauge, refusals, and calls closed at the window's end.</summary>
public sealed class DrainMetricsTests
{
    [Fact]
    public async Task The_draining_gauge_flips_at_once_and_calls_cut_at_the_end_of_the_window_count_as_drained()
    {
        await using var bot = await BotServer.StartAsync();
        var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:DrainWindow"] = "00:00:02" });
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 2));
        var metrics = gateway.Services.GetRequiredService<GatewayMetrics>();
        await using var live = await TestCalls.ConnectAsync(gateway, bot);
        Assert.Equal(0, (await MetricsText.ScrapeAsync(gateway)).Value("gateway_draining"));

        var stopping = gateway.DisposeAsync().AsTask();
        var draining = await MetricsText.UntilAsync(gateway, "gateway_draining", 1);
        Assert.Equal(1, draining.Value("gateway_calls_active{org=\"acme\",agent=\"support\"}"));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, (await UpgradeRequest.SendAsync(gateway.CallUri(TestCalls.SupportQuery))).Status);

        TestCalls.AssertClose(await live.Bot.ReceiveAsync(), WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");
        var close = await TestCalls.ReceiveAsync(live.Telnyx);
        TestCalls.AssertClose(close, WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");
        await live.Telnyx.AnswerCloseAsync(close, Wait.Token());
        await stopping;

        // The web server is gone: read the registry the endpoint served.
        var after = await MetricsText.CollectAsync(metrics);
        Assert.Equal(1, after.Value("gateway_calls_ended_total{org=\"acme\",agent=\"support\",outcome=\"drained\"}"));
        Assert.Equal(1, after.Value("gateway_calls_ended_total{org=\"\",agent=\"\",outcome=\"rejected_draining\"}"));
        Assert.Equal(0, after.Value("gateway_calls_active{org=\"acme\",agent=\"support\"}"));
        Assert.Equal(1, after.Value("gateway_draining"));
    }
}
