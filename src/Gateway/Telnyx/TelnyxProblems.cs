using Microsoft.AspNetCore.Http;

namespace Gateway.Telnyx;

/// <summary>Telnyx's refusals as problem+json, keeping its status (a 4xx stays what it was) and its error code.</summary>
internal static class TelnyxProblems
{
    public static IResult From(TelnyxApiResponse answer)
    {
        var (code, title, detail) = answer.FirstError;

        // Telnyx's own failures become 502: the gateway worked, its upstream did not.
        var status = answer.StatusCode is >= 400 and < 500 ? answer.StatusCode : StatusCodes.Status502BadGateway;
        return TypedResults.Problem(
            detail ?? title ?? $"Telnyx answered HTTP {answer.StatusCode}.",
            statusCode: status,
            title: title ?? "Telnyx refused the request",
            extensions: new Dictionary<string, object?> { ["code"] = "telnyx_error", ["telnyxStatus"] = answer.StatusCode, ["telnyxCode"] = code });
    }
}
