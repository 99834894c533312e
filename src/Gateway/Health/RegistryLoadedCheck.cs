using Gateway.Registry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Health;

/// <summary>Ready only once the registry has loaded: before that every call would be refused with 503.</summary>
public sealed class RegistryLoadedCheck(IAgentRegistry registry) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var snapshot = registry.Current;

        // Once loaded, a Redis outage does not make the replica unready: it keeps routing on the last snapshot, and
        // taking every replica out of the Service at once would refuse the calls it can still take.
        return Task.FromResult(snapshot.IsLoaded
            ? HealthCheckResult.Healthy($"{snapshot.Count} agents at revision {snapshot.Revision}")
            : HealthCheckResult.Unhealthy("the registry has not loaded yet"));
    }
}
