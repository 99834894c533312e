using Gateway.Admin;
using Gateway.Core;
using Gateway.Tenants;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

public static class AdminEndpoints
{
    public const string Prefix = "/admin/v1";

    /// <summary>The admin API: every route needs a valid token, and <c>/orgs/{org}</c> routes a token for that org.</summary>
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup(Prefix)
            // Not merely authenticated: a token with neither role nor org would otherwise list no organizations with a 200.
            .RequireAuthorization(GatewayClaims.ManagesSomethingPolicy)
            .WithTags("admin")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        OrgEndpoints.MapList(admin);

        var org = admin.MapGroup("/orgs/{org}")
            .AddEndpointFilter<OrgAccessFilter>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        AgentEndpoints.Map(org);
        InstanceEndpoints.Map(org);
        AgentInstanceEndpoints.Map(org);
        HoldAudioEndpoints.Map(org);
        SessionEndpoints.Map(org);
        TenantEndpoints.Map(org);
        OrgEndpoints.MapNumbers(org);
        return endpoints;
    }
}
