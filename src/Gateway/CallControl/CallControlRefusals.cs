using Gateway.Core;
using Gateway.Credentials;
using Microsoft.AspNetCore.Http;

namespace Gateway.CallControl;

/// <summary>
/// Why a bot's call-control request was not carried out, in Telnyx's error shape (the path is Telnyx's, <c>/v2</c>) so
/// a Telnyx SDK reports it like Telnyx's own; the <c>gateway_</c> codes tell the gateway's refusals from Telnyx's.
/// </summary>
internal static class CallControlRefusals
{
    public static Refusal Unauthorized() =>
        new(StatusCodes.Status401Unauthorized, "gateway_unauthorized", "Authentication failed",
            $"Send the call's session credential (the bot hop's {SessionCredentials.HeaderName} header) as the bearer token.");

    public static Refusal CallNotFound() =>
        new(StatusCodes.Status404NotFound, "gateway_call_not_found", "Call not found",
            "This credential's session has no live call with that call_control_id.");

    public static Refusal ActionNotAllowed(string serviceHost, string action, IEnumerable<string> allowed) =>
        new(StatusCodes.Status403Forbidden, "gateway_action_not_allowed", "Action not allowed",
            $"Agent '{serviceHost}' may not use '{action}'; allowed: {string.Join(", ", allowed)}.");

    public static Refusal TelnyxNotConfigured(string org) =>
        new(StatusCodes.Status403Forbidden, "gateway_telnyx_not_configured", "Telnyx not configured",
            $"Organization '{org}' has no Telnyx API key in the gateway.");

    /// <summary>Redis unreachable (or the key ring unreadable): the call may well be live, so not a 404 but a retry later.</summary>
    public static Refusal Unavailable() =>
        new(StatusCodes.Status503ServiceUnavailable, "gateway_unavailable", "Gateway unavailable",
            "The gateway could not read the call's session or its organization's Telnyx settings; try again.");

    public static Refusal TelnyxTimeout() =>
        new(StatusCodes.Status504GatewayTimeout, "gateway_telnyx_timeout", "Telnyx did not answer",
            "Telnyx's API did not answer in time; the command may or may not have been carried out.");

    public static Refusal TelnyxRequestNotSent(string org) =>
        new(StatusCodes.Status500InternalServerError, "gateway_telnyx_request_not_sent", "Request to Telnyx not sent",
            $"The command was not sent: {Telnyx.TelnyxRequestNotSentException.UnsendableKey(org)}.");

    public static Refusal TelnyxUnreachable() =>
        new(StatusCodes.Status502BadGateway, "gateway_telnyx_unreachable", "Telnyx unreachable",
            "The gateway got no answer from Telnyx's API (connection refused or lost).");
}
