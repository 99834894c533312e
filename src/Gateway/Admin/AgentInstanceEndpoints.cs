using Gateway.Core;
using Gateway.Kubernetes;
using Gateway.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Admin;

/// <summary>
/// <c>GET /admin/v1/orgs/{org}/agents/{agent}/instances</c>: the instances routing offers the agent's calls, its
/// Kubernetes Service's discovered pods included. Read-only: the agent itself is read and written as written.
/// </summary>
internal static class AgentInstanceEndpoints
{
    public const string SourceStatic = "static";

    public const string SourceKubernetes = "kubernetes";

    public static void Map(RouteGroupBuilder org) =>
        org.MapGet("/agents/{agent}/instances", ([AsParameters] AgentRequest request, IAgentRegistry registry) => Get(request, registry))
            .WithName("listAgentInstances")
            .Produces<RoutedInstanceList>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Lists the instances routing offers the agent's calls on this replica: its static ones, then the ready pods of its kubernetes source, with the state of that Service's watch.");

    private static IResult Get(AgentRequest request, IAgentRegistry registry)
    {
        if (!request.TryKey(out var key, out var refusal))
        {
            return refusal;
        }

        if (!registry.Current.TryGet(key, out var registered))
        {
            return AgentRoute.NotFound(key);
        }

        var written = registered.Resource.Instances.Count;
        var instances = registered.Instances
            .Select((instance, index) => new RoutedInstance(
                instance.Id, instance.Url, instance.Capacity, index < written ? SourceStatic : SourceKubernetes, instance.ExpiresAt))
            .ToList();
        var view = registered.Resource.Kubernetes is { } source
            ? View(source, request.Context.RequestServices.GetService<IServiceDiscovery>()?.Status(source.ServiceName))
            : null;
        return TypedResults.Json(new RoutedInstanceList(instances, view), AdminJson.Admin.RoutedInstanceList);
    }

    private static KubernetesDiscoveryView View(KubernetesSource source, ServiceWatchStatus? status) =>
        status is null
            ? new KubernetesDiscoveryView(source.Namespace!, source.Service!, Watched: false, InSync: false, LastSyncAt: null, StalenessSeconds: 0, LastError: null)
            : new KubernetesDiscoveryView(
                source.Namespace!, source.Service!, Watched: true, status.InSync, status.LastSyncAt, Math.Round(status.Staleness.TotalSeconds, 3), status.LastError);
}
