using Gateway.Core;
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
        org.MapGet("/sessions", ListAsync)
            .Produces<SessionList>(StatusCodes.Status200OK)
            .WithSummary("Lists the organization's live calls.");
        org.MapGet("/sessions/{sessionId}", GetAsync)
            .Produces<CallSession>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Reads one live call by its session id.");
    }

    private static async Task<IResult> ListAsync(string org, ISessionStore sessions, CancellationToken cancellationToken)
    {
        var list = await sessions.ListAsync(org, cancellationToken);
        return TypedResults.Json(new SessionList(list), AdminJson.Admin.SessionList);
    }

    private static async Task<IResult> GetAsync(string org, string sessionId, ISessionStore sessions, CancellationToken cancellationToken)
    {
        var session = await sessions.GetAsync(sessionId, cancellationToken);

        // Another organization's call is answered like a call that does not exist.
        return session is not null && session.Org == org
            ? TypedResults.Json(session, AdminJson.Admin.CallSession)
            : Refusals.NotFound($"No live session '{sessionId}' in organization '{org}'.");
    }
}
