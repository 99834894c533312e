using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Gateway.CallControl;

/// <summary>
/// Refusals on Telnyx's own paths are written the way Telnyx writes errors (<c>{"errors":[{code,title,detail}]}</c>),
/// so a Telnyx SDK pointed at the gateway reports them like Telnyx's.
/// </summary>
internal static class TelnyxErrors
{
    public static async Task WriteAsync(HttpContext context, HttpStatusCode status, string code, string title, string detail)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(context.Response.Body, new TelnyxErrorBody([new TelnyxError(code, title, detail)]), TelnyxErrorJsonContext.Default.TelnyxErrorBody, context.RequestAborted);
    }
}

internal sealed record TelnyxErrorBody(IReadOnlyList<TelnyxError> Errors);

internal sealed record TelnyxError(string Code, string Title, string Detail);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(TelnyxErrorBody))]
internal sealed partial class TelnyxErrorJsonContext : JsonSerializerContext;
