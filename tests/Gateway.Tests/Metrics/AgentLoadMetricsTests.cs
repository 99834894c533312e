using System.Net.WebSockets;
using Gateway.Core;
using Gateway.Hosting;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Metrics;

/// <summary>
/// The autoscaler gauges: gateway_agent_instances, gateway_agent_capacity and gateway_agent_calls, cluster-wide per
/// agent and the same on every replica.
/// </summary>
public sealed class AgentLoadMetricsTests
{
    private const string AcmeSupport = "org=\"acme\",agent=\"support\"";
    private static readonly AgentKey Support = new("acme", "support");

    [Fact]
    public async Task Both_replicas_export_the_calls_the_agent_holds_across_them_and_the_capacity_of_its_live_instances()
    {
        var redis = await TestRedis.ConnectionStringAsync();
        var prefix = TestRedis.UniquePrefix();
        await using var bot = await BotServer.StartAsync();
        await using var first = await GatewayHost.StartAsync(redis, prefix);
        await using var second = await GatewayHost.StartAsync(redis, prefix);
        var now = DateTimeOffset.UtcNow;
        await first.PutAgentAsync(Support, new AgentResource
        {
            Instances =
            [
                new AgentInstance { Id = "bot-1", Url = bot.WsUri, Capacity = 4 },
                new AgentInstance { Id = "bot-2", Url = bot.WsUri, Capacity = 3, ExpiresAt = now.AddHours(1) },
                // A heartbeat that lapsed: it takes no call, so it is neither an instance nor capacity for an autoscaler.
                new AgentInstance { Id = "bot-3", Url = bot.WsUri, Capacity = 50, ExpiresAt = now.AddMinutes(-1) },
            ],
        });
        await Wait.UntilAsync(() => second.Registry.Current.TryGet(Support, out _), "the agent reaches the second replica");

        var calls = new List<LiveTestCall>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                calls.Add(await TestCalls.ConnectAsync(i < 3 ? first : second, bot));
            }

            foreach (var gateway in new[] { first, second })
            {
                var scrape = await MetricsText.UntilAsync(gateway, $"gateway_agent_calls{{{AcmeSupport}}}", 5);
                Assert.Equal(2, scrape.Value($"gateway_agent_instances{{{AcmeSupport}}}"));
                Assert.Equal(7, scrape.Value($"gateway_agent_capacity{{{AcmeSupport}}}"));
            }

            // Each replica relays only its own calls; the autoscaler gauge is the agent's whole load.
            Assert.Equal(3, (await MetricsText.ScrapeAsync(first)).Value($"gateway_calls_active{{{AcmeSupport}}}"));
            Assert.Equal(2, (await MetricsText.ScrapeAsync(second)).Value($"gateway_calls_active{{{AcmeSupport}}}"));

            await calls[0].Telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
            await calls[4].Telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
            await MetricsText.UntilAsync(first, $"gateway_agent_calls{{{AcmeSupport}}}", 3);
            await MetricsText.UntilAsync(second, $"gateway_agent_calls{{{AcmeSupport}}}", 3);
        }
        finally
        {
            foreach (var call in calls)
            {
                await call.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task An_instance_whose_heartbeat_lapses_leaves_the_instances_and_the_capacity()
    {
        var clock = new ShiftedTimeProvider();
        await using var gateway = await GatewayHost.StartAsync(await TestRedis.ConnectionStringAsync(), time: clock);
        var bot = new Uri("ws://127.0.0.1:9/ws");
        await gateway.PutAgentAsync(Support, new AgentResource
        {
            Instances =
            [
                new AgentInstance { Id = "bot-1", Url = bot, Capacity = 2 },
                new AgentInstance { Id = "bot-2", Url = bot, Capacity = 5, ExpiresAt = clock.GetUtcNow().AddSeconds(30) },
            ],
        });

        var before = await MetricsText.UntilAsync(gateway, $"gateway_agent_instances{{{AcmeSupport}}}", 2);
        Assert.Equal(7, before.Value($"gateway_agent_capacity{{{AcmeSupport}}}"));
        Assert.Equal(0, before.Value($"gateway_agent_calls{{{AcmeSupport}}}"));

        clock.Advance(TimeSpan.FromSeconds(31));
        var after = await MetricsText.UntilAsync(gateway, $"gateway_agent_instances{{{AcmeSupport}}}", 1);
        Assert.Equal(2, after.Value($"gateway_agent_capacity{{{AcmeSupport}}}"));
    }

    [Fact]
    public async Task Only_agents_the_registry_holds_have_series_and_a_removed_agent_loses_them()
    {
        await using var gateway = await GatewayHost.StartAsync(await TestRedis.ConnectionStringAsync());
        var bot = new Uri("ws://127.0.0.1:9/ws");
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot, 1));
        await gateway.PutAgentAsync("acme", "sales", ("bot-1", bot, 3));
        await MetricsText.UntilAsync(gateway, "gateway_agent_capacity{org=\"acme\",agent=\"sales\"}", 3);

        Assert.True(await gateway.Registry.DeleteAsync(new AgentKey("acme", "sales")));
        var deadline = DateTime.UtcNow + Wait.Timeout;
        MetricsText scrape;
        do
        {
            await Task.Delay(50);
            scrape = await MetricsText.ScrapeAsync(gateway);
        }
        while (scrape.Series.Any(s => s.Contains("agent=\"sales\"", StringComparison.Ordinal) && s.StartsWith("gateway_agent_", StringComparison.Ordinal))
            && DateTime.UtcNow < deadline);

        var agentSeries = scrape.Series.Where(s => s.StartsWith("gateway_agent_", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        Assert.Equal(
            [$"gateway_agent_calls{{{AcmeSupport}}}", $"gateway_agent_capacity{{{AcmeSupport}}}", $"gateway_agent_instances{{{AcmeSupport}}}"],
            agentSeries);
    }

    [Fact]
    public async Task The_embedded_registry_exports_this_replicas_own_calls()
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync();
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 2));

        await using (var live = await TestCalls.ConnectAsync(gateway, bot))
        {
            var during = await MetricsText.UntilAsync(gateway, $"gateway_agent_calls{{{AcmeSupport}}}", 1);
            Assert.Equal(1, during.Value($"gateway_agent_instances{{{AcmeSupport}}}"));
            Assert.Equal(2, during.Value($"gateway_agent_capacity{{{AcmeSupport}}}"));
            await live.Telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
        }

        await MetricsText.UntilAsync(gateway, $"gateway_agent_calls{{{AcmeSupport}}}", 0);
    }

    [Fact]
    public async Task While_Redis_is_unreachable_the_calls_keep_their_last_count_and_the_failure_is_counted()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, settings: new Dictionary<string, string?>
        {
            // No resync and no lease renewal during the test: every Redis error it counts is one the test causes.
            ["Registry:ResyncInterval"] = "01:00:00",
            ["Claims:LeaseDuration"] = "01:00:00",
            ["Claims:RenewInterval"] = "00:20:00",
        });
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 2));
        await using var live = await TestCalls.ConnectAsync(gateway, bot);
        await MetricsText.UntilAsync(gateway, $"gateway_agent_calls{{{AcmeSupport}}}", 1);

        await redis.StopAsync();
        await Task.Delay(AgentLoadMetrics.CacheFor);
        var during = await MetricsText.UntilAsync(gateway, "gateway_redis_errors_total{operation=\"claims\"}", 1);
        Assert.Equal(1, during.Value($"gateway_agent_calls{{{AcmeSupport}}}"));
        Assert.Equal(2, during.Value($"gateway_agent_capacity{{{AcmeSupport}}}"));
        Assert.Contains(gateway.Logs.Lines, line => line.Contains("AgentLoadMetrics[13001]", StringComparison.Ordinal));
    }
}
