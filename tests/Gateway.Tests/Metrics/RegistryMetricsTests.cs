using System.Net.WebSockets;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Metrics;

/// <summary>Registry revision and staleness, Redis errors by operation.</summary>
public sealed class RegistryMetricsTests
{
    private static readonly AgentKey Support = new("acme", "support");

    [Fact]
    public async Task The_embedded_registry_reports_its_revision_and_is_never_stale()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await gateway.PutAgentAsync("acme", "support", ("bot-1", new Uri("ws://127.0.0.1:9/ws"), 1));
        await gateway.PutAgentAsync("acme", "sales", ("bot-1", new Uri("ws://127.0.0.1:9/ws"), 1));

        var scrape = await MetricsText.ScrapeAsync(gateway);
        Assert.Equal(2, scrape.Value("gateway_registry_revision"));
        Assert.Equal(0, scrape.Value("gateway_registry_staleness_seconds"));
        var lastSync = DateTimeOffset.FromUnixTimeMilliseconds((long)(scrape.Value("gateway_registry_last_sync_timestamp_seconds")!.Value * 1000));
        Assert.InRange(lastSync, DateTimeOffset.UtcNow - Wait.Timeout, DateTimeOffset.UtcNow);
        Assert.Equal(0, scrape.Value("gateway_draining"));
        Assert.Equal(0, scrape.Value("gateway_claims_held"));
        Assert.Equal(0, scrape.Value("gateway_redis_errors_total{operation=\"claims\"}"));
        Assert.Equal(0, scrape.Value("gateway_redis_errors_total{operation=\"sessions\"}"));
        Assert.Equal(0, scrape.Value("gateway_redis_errors_total{operation=\"registry\"}"));

        // The process metrics the dashboard charts come from the same registry.
        Assert.True(scrape.Value("process_cpu_seconds_total") > 0);
        Assert.True(scrape.Value("process_working_set_bytes") > 0);
    }

    [Fact]
    public async Task Staleness_counts_from_the_last_full_sync_and_Redis_failures_are_counted_by_operation()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var bot = await BotServer.StartAsync();
        var clock = new ShiftedTimeProvider();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, settings: new Dictionary<string, string?>
        {
            // No resync and no lease renewal during the test: every Redis command it counts is one the test causes.
            ["Registry:ResyncInterval"] = "01:00:00",
            ["Claims:LeaseDuration"] = "01:00:00",
            ["Claims:RenewInterval"] = "00:20:00",
        }, time: clock);
        var revision = await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 2));
        var registry = (RedisAgentRegistry)gateway.Registry;

        // On a busy machine the first sync can miss a connection still being made; the retry then is the last one.
        await Wait.UntilAsync(() => registry.LastSyncedAt is not null, "the registry has synced in full");
        var synced = registry.LastFullSyncAt!.Value;

        clock.Advance(TimeSpan.FromSeconds(42));
        var stale = await MetricsText.ScrapeAsync(gateway);
        Assert.Equal(revision, stale.Value("gateway_registry_revision"));
        Assert.Equal(synced.ToUnixTimeMilliseconds() / 1000.0, stale.Value("gateway_registry_last_sync_timestamp_seconds"));
        var sinceSync = clock.GetUtcNow() - synced;
        Assert.InRange(stale.Value("gateway_registry_staleness_seconds")!.Value, 42, sinceSync.TotalSeconds);
        Assert.Equal(0, stale.Value("gateway_redis_errors_total{operation=\"claims\"}"));
        Assert.Equal(0, stale.Value("gateway_redis_errors_total{operation=\"sessions\"}"));

        // With Redis gone a call still routes: its claim falls back to local accounting and its session record is
        // not written, one failure each; ending it fails to remove the record (the local claim needs no Redis).
        await redis.StopAsync();
        await using (var live = await TestCalls.ConnectAsync(gateway, bot, awaitSessionRecord: false))
        {
            var during = await MetricsText.UntilAsync(gateway, "gateway_redis_errors_total{operation=\"sessions\"}", 1);
            Assert.Equal(1, during.Value("gateway_redis_errors_total{operation=\"claims\"}"));
            Assert.Equal(1, during.Value("gateway_claims_held"));
            await live.Telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
        }

        await Wait.UntilAsync(() => gateway.LiveCalls.Count == 0, "the call has ended");
        var after = await MetricsText.UntilAsync(gateway, "gateway_redis_errors_total{operation=\"sessions\"}", 2);
        Assert.Equal(1, after.Value("gateway_redis_errors_total{operation=\"claims\"}"));
        Assert.Equal(1, after.Value("gateway_calls_ended_total{org=\"acme\",agent=\"support\",outcome=\"normal\"}"));

        // The registry goes on serving what it last read: its revision and its last full sync do not move.
        Assert.Equal(revision, after.Value("gateway_registry_revision"));
        Assert.Equal(synced.ToUnixTimeMilliseconds() / 1000.0, after.Value("gateway_registry_last_sync_timestamp_seconds"));
        Assert.True(gateway.Registry.Current.TryGet(Support, out _));
    }
}
