using Gateway.Core;
using Gateway.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// The gateway's metrics: one registry per application, read at <c>/metrics</c>, and the telemetry the calls and
    /// the stores report to.
    /// </summary>
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services)
    {
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<ICallTelemetry>(provider => provider.GetRequiredService<GatewayMetrics>());
        services.AddSingleton<IStoreTelemetry>(provider => provider.GetRequiredService<GatewayMetrics>());
        return services;
    }
}
