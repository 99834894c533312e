using Gateway.Calls;
using Gateway.Kubernetes;
using Gateway.Metrics;
using Gateway.Registry;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Hosting;

/// <summary>
/// The metrics whose value is a state rather than a count: read from the gateway's parts when Prometheus scrapes, so
/// they are exact at that moment and cost nothing in between. Also flushes the traffic of live calls into the relay
/// counters. It lives with the hosting, which knows every part, so that the metrics know none of them.
/// </summary>
public sealed class ScrapeTimeMetrics(
    GatewayMetrics metrics,
    IAgentRegistry registry,
    GatewayDrain drain,
    LiveCalls calls,
    TimeProvider time)
{
    // Before its first load a Redis registry has been stale since the gateway started.
    private readonly DateTimeOffset _started = time.GetUtcNow();

    /// <summary>Has the state gauges and the autoscaler gauges read before every collection of the metrics.</summary>
    public static void Observe(IServiceProvider services)
    {
        var metrics = services.GetRequiredService<GatewayMetrics>();
        metrics.Registry.AddBeforeCollectCallback(ActivatorUtilities.CreateInstance<ScrapeTimeMetrics>(services).Update);
        metrics.Registry.AddBeforeCollectCallback(services.GetRequiredService<AgentLoadMetrics>().UpdateAsync);
        if (services.GetService<IServiceDiscovery>() is { } discovery)
        {
            metrics.Registry.AddBeforeCollectCallback(new DiscoveryMetrics(metrics, discovery).Update);
        }
    }

    /// <summary>Runs before every collection of <see cref="GatewayMetrics.Registry"/>.</summary>
    public void Update()
    {
        var now = time.GetUtcNow();
        var snapshot = registry.Current;
        metrics.RegistryRevision.Set(snapshot.Revision);

        // The embedded registry is its own source of truth: always in sync. A Redis registry is as fresh as its last
        // full resync; change notices in between only make it fresher, never staler.
        var stored = registry is DiscoveringAgentRegistry discovering ? discovering.Stored : registry;
        var lastSync = stored is RedisAgentRegistry redis ? redis.LastFullSyncAt : now;
        metrics.RegistryLastSync.Set(lastSync?.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
        metrics.RegistryStaleness.Set(Math.Max(0, (now - (lastSync ?? _started)).TotalSeconds));

        metrics.Draining.Set(drain.IsDraining ? 1 : 0);
        metrics.GcPause.IncTo(GC.GetTotalPauseDuration().TotalSeconds);
        metrics.GcAllocated.IncTo(GC.GetTotalAllocatedBytes());

        // A call holds one claim from the moment its bot is connected to its release.
        metrics.ClaimsHeld.Set(calls.Snapshot().Count(call => call.Claim is not null));
        metrics.FlushRelayedCalls();
    }
}
