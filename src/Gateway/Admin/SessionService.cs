using Gateway.Core;
using Gateway.Sessions;
using Microsoft.AspNetCore.Http;

namespace Gateway.Admin;

/// <summary>The <c>/sessions</c> routes' work: an organization's live calls, as every replica recorded them.</summary>
internal sealed class SessionService(ISessionStore sessions)
{
    public async Task<IResult> ListAsync(OrgRequest request)
    {
        var list = await sessions.ListAsync(request.Org, request.Context.RequestAborted);
        return TypedResults.Json(new SessionList(list), AdminJson.Admin.SessionList);
    }

    public async Task<IResult> GetAsync(SessionRequest request)
    {
        var session = await sessions.GetAsync(request.SessionId, request.Aborted);

        // Another organization's call is answered like a call that does not exist.
        return session is not null && session.Org == request.Org
            ? TypedResults.Json(session, AdminJson.Admin.CallSession)
            : Refusals.NotFound($"No live session '{request.SessionId}' in organization '{request.Org}'.");
    }
}
