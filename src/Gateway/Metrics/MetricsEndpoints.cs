using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;
using Prometheus.HttpMetrics;

namespace Gateway.Metrics;

/// <summary>Wires the gateway's metrics into the request pipeline: HTTP request metrics and <c>GET /metrics</c>.</summary>
public static class MetricsEndpoints
{
    public const string Path = "/metrics";

    /// <summary>
    /// prometheus-net's HTTP metrics, into the gateway's own registry. A call's stream is one HTTP request that lasts
    /// as long as the phone call: its duration would put minutes-long observations into the request-duration
    /// histogram (and every call into its top bucket), so that route keeps the request counter (its status codes
    /// tell refusals from upgrades) and the in-progress gauge, but no duration.
    /// </summary>
    public static IApplicationBuilder UseGatewayHttpMetrics(this IApplicationBuilder app, PathString callStreamPath)
    {
        ArgumentNullException.ThrowIfNull(app);
        var factory = app.ApplicationServices.GetRequiredService<GatewayMetrics>().Factory;
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(callStreamPath),
            calls => calls.UseHttpMetrics(options =>
            {
                options.SetMetricFactory(factory);
                options.RequestDuration.Enabled = false;
            }));
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments(callStreamPath),
            others => others.UseHttpMetrics(options => options.SetMetricFactory(factory)));
        return app;
    }

    /// <summary><c>GET /metrics</c> in Prometheus's text format, from the gateway's own registry.</summary>
    public static IEndpointConventionBuilder MapGatewayMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var metrics = endpoints.ServiceProvider.GetRequiredService<GatewayMetrics>();
        var scrape = endpoints.ServiceProvider.GetRequiredService<ScrapeTimeMetrics>();
        metrics.Registry.AddBeforeCollectCallback(scrape.Update);
        metrics.Registry.AddBeforeCollectCallback(endpoints.ServiceProvider.GetRequiredService<AgentLoadMetrics>().UpdateAsync);

        // Scrapers need no credentials: the metrics name organizations and agents, never secrets or call data.
        return endpoints.MapMetrics(settings => settings.Registry = metrics.Registry, Path).AllowAnonymous();
    }
}
