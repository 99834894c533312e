using System.Text.Json.Nodes;
using Gateway.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.CallControl;

/// <summary>
/// <c>POST /v2/calls/{call_control_id}/actions/{action}</c>, Telnyx's own path: a bot whose Telnyx base URL is this
/// gateway and whose API key is its session credential controls its own call, and only that. The gateway checks the
/// call is the bot's live session and the action is allowed for its agent, then forwards the request untouched but
/// for the credential, swapped for the tenant's Telnyx key, and returns Telnyx's answer as is. A refused request
/// never reaches Telnyx.
/// </summary>
internal static class CallControlEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/v2/calls/{callControlId}/actions/{action}", ([AsParameters] CallControlCommand command, CallControlService control) => control.ForwardAsync(command))
            .WithTags("call-control")
            .WithName("callControlAction")
            .WithSummary("Forwards a bot's Call Control command on its own live call to Telnyx with the organization's key; Telnyx's answer comes back as is.")
            .Produces<JsonObject>(StatusCodes.Status200OK)
            .Produces<TelnyxErrorBody>(StatusCodes.Status401Unauthorized)
            .Produces<TelnyxErrorBody>(StatusCodes.Status403Forbidden)
            .Produces<TelnyxErrorBody>(StatusCodes.Status404NotFound)
            .Produces<TelnyxErrorBody>(StatusCodes.Status422UnprocessableEntity)
            .Produces<TelnyxErrorBody>(StatusCodes.Status500InternalServerError)
            .Produces<TelnyxErrorBody>(StatusCodes.Status502BadGateway)
            .Produces<TelnyxErrorBody>(StatusCodes.Status503ServiceUnavailable)
            .Produces<TelnyxErrorBody>(StatusCodes.Status504GatewayTimeout);
}
