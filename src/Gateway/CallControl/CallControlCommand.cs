using Microsoft.AspNetCore.Http;

namespace Gateway.CallControl;

/// <summary>
/// A bot's <c>POST /v2/calls/{call_control_id}/actions/{action}</c>: the call and action from the route; the
/// credential, and the body forwarded as is, from the request.
/// </summary>
internal readonly record struct CallControlCommand(string CallControlId, string Action, HttpContext Context);
