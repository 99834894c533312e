using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin;

/// <summary>Organizations exist through their agents; these routes list what a token may see.</summary>
internal static class OrgEndpoints
{
    public static void MapList(RouteGroupBuilder admin) =>
        admin.MapGet("/orgs", ([AsParameters] OrgListRequest request, OrgService orgs) => orgs.List(request))
            .WithName("listOrgs")
            .Produces<OrgList>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .WithSummary("Lists the organizations the token manages that have agents (a platform admin sees all).");

    public static void MapNumbers(RouteGroupBuilder org) =>
        org.MapGet("/numbers", ([AsParameters] OrgRequest request, OrgService orgs) => orgs.Numbers(request))
            .WithName("listPhoneNumbers")
            .Produces<PhoneNumberList>(StatusCodes.Status200OK)
            .WithSummary("Lists the organization's phone numbers and the agent each routes to.");
}
