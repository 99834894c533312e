using Gateway.Calls;
using Gateway.Kubernetes;
using Gateway.Registry;

namespace Gateway.Metrics;

/// <summary>
/// The metrics whose value is a state rather than a count: read when Prometheus scrapes, so they are exact at that
/// moment and cost nothing in between. Also flushes the traffic of live calls into the relay counters.
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

        // A live call holds one claim from its bot connection to its release; before that, none.
        var live = calls.Snapshot();
        var claimsHeld = 0;
        foreach (var call in live)
        {
            claimsHeld += call.Claim is null ? 0 : 1;
            call.Metrics?.Flush();
        }

        metrics.ClaimsHeld.Set(claimsHeld);
    }
}
