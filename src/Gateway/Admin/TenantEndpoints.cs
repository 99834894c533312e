using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin;

/// <summary><c>/admin/v1/orgs/{org}/telnyx</c>: the organization's Telnyx account (see <see cref="TenantTelnyxService"/>).</summary>
internal static class TenantEndpoints
{
    public static void Map(RouteGroupBuilder org)
    {
        org.MapPut("/telnyx", ([AsParameters] OrgRequest request, TenantTelnyxService telnyx) => telnyx.PutAsync(request))
            .WithName("putTelnyxSettings")
            .Accepts<TenantTelnyxRequest>("application/json")
            .Produces<TenantTelnyxView>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Sets the organization's Telnyx API key, webhook public key and default connection (replaces all three). If-Match and If-None-Match: * as for agents.");
        org.MapPatch("/telnyx", ([AsParameters] OrgRequest request, TenantTelnyxService telnyx) => telnyx.PatchAsync(request))
            .WithName("patchTelnyxSettings")
            .Accepts<TenantTelnyxRequest>("application/merge-patch+json")
            .Produces<TenantTelnyxView>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Changes the organization's Telnyx settings by JSON merge patch (RFC 7386): fields left out are kept, null forgets one.");
        org.MapGet("/telnyx", ([AsParameters] OrgRequest request, TenantTelnyxService telnyx) => telnyx.GetAsync(request))
            .WithName("getTelnyxSettings")
            .Produces<TenantTelnyxView>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Whether each Telnyx secret is set, and the default connection.");
        org.MapDelete("/telnyx", ([AsParameters] OrgRequest request, TenantTelnyxService telnyx) => telnyx.DeleteAsync(request))
            .WithName("deleteTelnyxSettings")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Forgets the organization's Telnyx settings.");
    }
}
