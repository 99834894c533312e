using Gateway.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin;

/// <summary>
/// <c>/admin/v1/orgs/{org}/agents/{agent}/instances/{id}</c>: one bot instance at a time, so a pod can register
/// itself at start-up, renew a <c>ttlSeconds</c> heartbeat, and deregister on shutdown without rewriting the agent.
/// </summary>
internal static class InstanceEndpoints
{
    public static void Map(RouteGroupBuilder org)
    {
        org.MapPut("/agents/{agent}/instances/{id}", ([AsParameters] InstanceRequest request, InstanceService instances) => instances.PutAsync(request))
            .WithName("putInstance")
            .Accepts<InstanceRegistration>("application/json")
            .Produces<AgentInstance>(StatusCodes.Status200OK)
            .Produces<AgentInstance>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Registers or renews a bot instance; with ttlSeconds it stops receiving calls unless renewed in time, and is dropped at the next registration of another instance once lapsed.");
        org.MapDelete("/agents/{agent}/instances/{id}", ([AsParameters] InstanceRequest request, InstanceService instances) => instances.DeleteAsync(request))
            .WithName("deleteInstance")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Deregisters a bot instance; its live calls go on.");
    }
}
