using Gateway.Core;
using Gateway.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin;

/// <summary>Organizations exist through their agents; these routes list what a token may see.</summary>
internal static class OrgEndpoints
{
    public static void MapList(RouteGroupBuilder admin) =>
        admin.MapGet("/orgs", List)
            .Produces<OrgList>(StatusCodes.Status200OK)
            .WithSummary("Lists the organizations the token manages that have agents (a platform admin sees all).");

    public static void MapNumbers(RouteGroupBuilder org) =>
        org.MapGet("/numbers", Numbers)
            .Produces<PhoneNumberList>(StatusCodes.Status200OK)
            .WithSummary("Lists the organization's phone numbers and the agent each routes to.");

    private static JsonHttpResult<OrgList> List(HttpContext context, IAgentRegistry registry)
    {
        var user = context.User;
        var visible = user.IsPlatformAdmin() ? null : user.Orgs().ToHashSet(StringComparer.Ordinal);
        var orgs = registry.Current.Agents
            .GroupBy(a => a.Key.Org, StringComparer.Ordinal)
            .Where(g => visible is null || visible.Contains(g.Key))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new OrgListItem(g.Key, g.Count()))
            .ToList();
        return TypedResults.Json(new OrgList(orgs), AdminJson.Admin.OrgList);
    }

    private static JsonHttpResult<PhoneNumberList> Numbers(string org, IAgentRegistry registry)
    {
        var numbers = registry.Current.Agents
            .Where(a => a.Key.Org == org)
            .SelectMany(a => a.Resource.PhoneNumbers.Select(n => new PhoneNumberItem(n, a.Key.Agent)))
            .OrderBy(n => n.Number, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Json(new PhoneNumberList(numbers), AdminJson.Admin.PhoneNumberList);
    }
}
