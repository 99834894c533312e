using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Gateway.Health;

/// <summary>
/// <c>GET /healthz</c> (liveness: the process answers HTTP; nothing else, so a Redis outage never gets replicas
/// restarted) and <c>GET /readyz</c> (readiness: the registry is loaded and the replica is not draining). Both
/// answer 200 or 503 with a JSON body naming each check's status.
/// </summary>
public static class HealthEndpoints
{
    public const string LivenessPath = "/healthz";

    public const string ReadinessPath = "/readyz";

    /// <summary>Tag of the checks <c>/healthz</c> runs.</summary>
    public const string LiveTag = "live";

    /// <summary>Tag of the checks <c>/readyz</c> runs.</summary>
    public const string ReadyTag = "ready";

    public static IServiceCollection AddGatewayHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy("answering"), tags: [LiveTag])
            .AddCheck<RegistryLoadedCheck>("registry", tags: [ReadyTag])
            .AddCheck<NotDrainingCheck>("drain", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapGatewayHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        // Probes carry no credentials, and the answers say nothing a tenant could use.
        endpoints.MapHealthChecks(LivenessPath, Options(LiveTag)).AllowAnonymous();
        endpoints.MapHealthChecks(ReadinessPath, Options(ReadyTag)).AllowAnonymous();
        return endpoints;
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = WriteAsync,
    };

    /// <summary><c>{"status":"Unhealthy","checks":{"drain":{"status":"Unhealthy","description":"…"},…}}</c></summary>
    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
