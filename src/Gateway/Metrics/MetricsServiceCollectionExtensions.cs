using Gateway.Metrics;

namespace Microsoft.Extensions.DependencyInjection;

public static class MetricsServiceCollectionExtensions
{
    /// <summary>The gateway's metrics: one registry per application, read at <c>/metrics</c>.</summary>
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services)
    {
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<ScrapeTimeMetrics>();
        services.AddSingleton<AgentLoadMetrics>();
        return services;
    }
}
