using Gateway.Sessions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin;

/// <summary><c>/admin/v1/orgs/{org}/sessions</c>: the organization's live calls, across every replica.</summary>
internal static class SessionEndpoints
{
    public static void Map(RouteGroupBuilder org)
    {
        org.MapGet("/sessions", ([AsParameters] OrgRequest request, SessionService sessions) => sessions.ListAsync(request))
            .WithName("listSessions")
            .Produces<SessionList>(StatusCodes.Status200OK)
            .WithSummary("Lists the organization's live calls.");
        org.MapGet("/sessions/{sessionId}", ([AsParameters] SessionRequest request, SessionService sessions) => sessions.GetAsync(request))
            .WithName("getSession")
            .Produces<CallSession>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Reads one live call by its session id.");
    }
}
