using Gateway.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin;

/// <summary><c>/admin/v1/orgs/{org}/agents</c>: an organization's agents, written whole and validated first.</summary>
internal static class AgentEndpoints
{
    public static void Map(RouteGroupBuilder org)
    {
        org.MapGet("/agents", ([AsParameters] OrgRequest request, AgentService agents) => agents.List(request))
            .WithName("listAgents")
            .Produces<AgentList>(StatusCodes.Status200OK)
            .WithSummary("Lists the organization's agents.");
        org.MapGet("/agents/{agent}", ([AsParameters] AgentRequest request, AgentService agents) => agents.Get(request))
            .WithName("getAgent")
            .Produces<AgentResource>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Reads an agent; its ETag is its revision.");
        org.MapPut("/agents/{agent}", ([AsParameters] AgentRequest request, AgentService agents) => agents.PutAsync(request))
            .WithName("putAgent")
            .Accepts<AgentResource>("application/json")
            .Produces<AgentResource>(StatusCodes.Status200OK)
            .Produces<AgentResource>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Creates or replaces an agent, whole: a field left out takes its default. If-Match: \"{revision}\" writes only over that revision; If-None-Match: * only creates.");
        org.MapPatch("/agents/{agent}", ([AsParameters] AgentRequest request, AgentService agents) => agents.PatchAsync(request))
            .WithName("patchAgent")
            .Accepts<AgentResource>("application/merge-patch+json")
            .Produces<AgentResource>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Changes an agent by JSON merge patch (RFC 7386): fields left out are kept, null resets one to its default. Checked as a PUT of the result; If-Match as for PUT.");
        org.MapDelete("/agents/{agent}", ([AsParameters] AgentRequest request, AgentService agents) => agents.DeleteAsync(request))
            .WithName("deleteAgent")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .WithSummary("Removes an agent. Live calls go on; new ones are refused.");
    }
}
