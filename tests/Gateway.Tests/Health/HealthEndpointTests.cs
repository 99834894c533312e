using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Metrics;

namespace Gateway.Tests.Health;

/// <summary><c>/healthz</c>: the process answers. <c>/readyz</c>: the registry is loaded and the replica is not draining.</summary>
public sealed class HealthEndpointTests
{
    private static readonly HttpClient Client = new();

    [Fact]
    public async Task A_gateway_with_its_registry_is_alive_and_ready()
    {
        await using var gateway = await GatewayHost.StartAsync();

        var (liveStatus, live) = await GetAsync(gateway, "/healthz");
        Assert.Equal(HttpStatusCode.OK, liveStatus);
        Assert.Equal("""{"status":"Healthy","checks":{"process":{"status":"Healthy","description":"answering"}}}""", live.GetRawText());

        var (readyStatus, ready) = await GetAsync(gateway, "/readyz");
        Assert.Equal(HttpStatusCode.OK, readyStatus);
        Assert.Equal("Healthy", ready.GetProperty("status").GetString());
        AssertCheck(ready, "registry", "Healthy", "0 agents at revision 0");
        AssertCheck(ready, "drain", "Healthy", "taking calls");
        Assert.Equal(2, ready.GetProperty("checks").EnumerateObject().Count());
    }

    [Fact]
    public async Task A_gateway_whose_Redis_is_unreachable_at_start_is_alive_but_not_ready_until_its_registry_loads()
    {
        await using var redis = await RedisServer.StartAsync();
        await redis.StopAsync();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString);

        var (liveStatus, _) = await GetAsync(gateway, "/healthz");
        Assert.Equal(HttpStatusCode.OK, liveStatus);
        var (readyStatus, ready) = await GetAsync(gateway, "/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyStatus);
        Assert.Equal("Unhealthy", ready.GetProperty("status").GetString());
        AssertCheck(ready, "registry", "Unhealthy", "the registry has not loaded yet");
        AssertCheck(ready, "drain", "Healthy", "taking calls");

        // What a call meets meanwhile, and what the metrics say of it.
        var refused = await UpgradeRequest.SendAsync(gateway.CallUri(TestCalls.SupportQuery));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal("registry_unavailable", refused.Problem.GetProperty("code").GetString());
        var scrape = await MetricsText.ScrapeAsync(gateway);
        Assert.Equal(1, scrape.Value("gateway_calls_ended_total{org=\"\",agent=\"\",outcome=\"rejected_registry_unavailable\"}"));
        Assert.Equal(0, scrape.Value("gateway_registry_last_sync_timestamp_seconds"));
        Assert.True(scrape.Value("gateway_registry_staleness_seconds") > 0);
        Assert.True(scrape.Value("gateway_redis_errors_total{operation=\"registry\"}") >= 1);

        await redis.RestartAsync();
        await Wait.UntilAsync(async () => (await GetAsync(gateway, "/readyz")).Status == HttpStatusCode.OK, "the gateway is ready once Redis is up");
        var (_, loaded) = await GetAsync(gateway, "/readyz");
        AssertCheck(loaded, "registry", "Healthy", "0 agents at revision 0");
    }

    [Fact]
    public async Task Readiness_fails_from_the_first_moment_of_a_drain_while_liveness_holds()
    {
        await using var bot = await BotServer.StartAsync();
        var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:DrainWindow"] = "00:00:10" });
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));
        await using var live = await TestCalls.ConnectAsync(gateway, bot);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(gateway, "/readyz")).Status);

        var stopping = gateway.DisposeAsync().AsTask();
        await Wait.UntilAsync(async () => (await GetAsync(gateway, "/readyz")).Status == HttpStatusCode.ServiceUnavailable, "readiness fails", TimeSpan.FromSeconds(2));
        var (_, ready) = await GetAsync(gateway, "/readyz");
        Assert.Equal("Unhealthy", ready.GetProperty("status").GetString());
        AssertCheck(ready, "drain", "Unhealthy", "draining: new calls are refused");
        AssertCheck(ready, "registry", "Healthy", "1 agents at revision 1");
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(gateway, "/healthz")).Status);

        // The call goes on; when it ends the drain has nothing left to wait for and the gateway stops.
        var media = TelnyxFrames.Media(live.Call, 2, 1, 0, TelnyxFrames.SilenceFrame(1));
        await live.Telnyx.SendTextAsync(media);
        Assert.Equal(media, (await live.Bot.ReceiveAsync()).Payload);
        Assert.False(stopping.IsCompleted);
        await live.Telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
        await stopping.WaitAsync(Wait.Timeout);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(GatewayHost gateway, string path)
    {
        using var response = await Client.GetAsync(gateway.HttpUri(path));
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static void AssertCheck(JsonElement report, string name, string status, string description)
    {
        var check = report.GetProperty("checks").GetProperty(name);
        Assert.Equal(status, check.GetProperty("status").GetString());
        Assert.Equal(description, check.GetProperty("description").GetString());
    }
}
