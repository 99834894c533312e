using Gateway.Core;
using Gateway.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Gateway.Admin;

/// <summary>The organization-wide reads: which organizations a token sees, and an organization's phone numbers.</summary>
internal sealed class OrgService(IAgentRegistry registry)
{
    public JsonHttpResult<OrgList> List(OrgListRequest request)
    {
        var user = request.User;
        var visible = user.IsPlatformAdmin() ? null : user.Orgs().ToHashSet(StringComparer.Ordinal);
        var orgs = registry.Current.Agents
            .GroupBy(a => a.Key.Org, StringComparer.Ordinal)
            .Where(g => visible is null || visible.Contains(g.Key))
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new OrgListItem(g.Key, g.Count()))
            .ToList();
        return TypedResults.Json(new OrgList(orgs), AdminJson.Admin.OrgList);
    }

    public JsonHttpResult<PhoneNumberList> Numbers(OrgRequest request)
    {
        var org = request.Org;
        var numbers = registry.Current.Agents
            .Where(a => a.Key.Org == org)
            .SelectMany(a => a.Resource.PhoneNumbers.Select(n => new PhoneNumberItem(n, a.Key.Agent)))
            .OrderBy(n => n.Number, StringComparer.Ordinal)
            .ToList();
        return TypedResults.Json(new PhoneNumberList(numbers), AdminJson.Admin.PhoneNumberList);
    }
}
