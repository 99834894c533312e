using Gateway.Calls;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Health;

/// <summary>Unready from the first moment of a drain, so Kubernetes sends no new calls to a replica that refuses them.</summary>
public sealed class NotDrainingCheck(GatewayDrain drain) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.IsDraining
            ? HealthCheckResult.Unhealthy("draining: new calls are refused")
            : HealthCheckResult.Healthy("taking calls"));
}
