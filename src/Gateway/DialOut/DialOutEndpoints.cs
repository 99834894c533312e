using Gateway.Tenants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.DialOut;

/// <summary>
/// <c>POST /v1/orgs/{org}/agents/{agent}/calls</c>: places an outbound call through Telnyx with the organization's
/// key, its media stream pointing back at this gateway with a single-use token bound to the call, so the callee
/// reaches the agent's bot with the body given here. No call is placed that the agent's bots could not take.
/// </summary>
internal static class DialOutEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/v1/orgs/{org}")
            .RequireAuthorization()
            .AddEndpointFilter<OrgAccessFilter>()
            .WithTags("dial-out")
            .MapPost("/agents/{agent}/calls", ([AsParameters] DialOutCall call, DialOutService dialOut) => dialOut.PlaceAsync(call))
            .WithName("placeCall")
            .Accepts<DialOutRequest>("application/json")
            .Produces<DialOutResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status500InternalServerError)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout)
            .WithSummary("Places an outbound call whose media stream reaches the agent's bot.");
    }
}
