using Gateway.Core;
using Microsoft.AspNetCore.Http;

namespace Gateway.Telnyx;

/// <summary>Telnyx's refusals as the gateway's, keeping its status (a 4xx stays what it was) and its error code.</summary>
internal static class TelnyxRefusals
{
    public static Refusal From(TelnyxApiResponse answer)
    {
        var (code, title, detail) = answer.FirstError;

        // Telnyx's own failures become 502: the gateway worked, its upstream did not.
        var status = answer.StatusCode is >= 400 and < 500 ? answer.StatusCode : StatusCodes.Status502BadGateway;
        return new Refusal(status, "telnyx_error", title ?? "Telnyx refused the request", detail ?? title ?? $"Telnyx answered HTTP {answer.StatusCode}.")
            .With("telnyxStatus", answer.StatusCode)
            .With("telnyxCode", code);
    }
}
