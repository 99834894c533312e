using Gateway.Core;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tenants;

/// <summary>
/// Scopes every <c>/orgs/{org}</c> route to the token: a platform admin reaches every organization, a tenant token
/// only its own. Another organization answers 404 exactly like one that does not exist, so names never leak.
/// </summary>
internal sealed class OrgAccessFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var org = http.Request.RouteValues["org"] as string ?? string.Empty;
        var user = http.User;
        if (!user.IsPlatformAdmin())
        {
            var orgs = user.Orgs().ToList();
            if (orgs.Count == 0)
            {
                return Refusals.Forbidden("The token grants no organization (no org claim, no platform-admin role).");
            }

            if (!orgs.Contains(org, StringComparer.Ordinal))
            {
                return Refusals.NotFound($"No organization '{org}'.");
            }
        }

        if (!ResourceNames.IsValidOrg(org))
        {
            return Refusals.Validation("org", "must be " + ResourceNames.OrgRule);
        }

        return await next(context);
    }
}
