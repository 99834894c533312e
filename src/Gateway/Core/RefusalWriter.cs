using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Core;

/// <summary>
/// The one place a <see cref="Refusal"/> becomes an HTTP answer: problem+json (RFC 9457) through ASP.NET Core's
/// problem details service, with the refusal's <c>code</c> and members; or, on Telnyx's own paths (<c>/v2/…</c>, which
/// a Telnyx SDK pointed at the gateway calls), the way Telnyx writes errors, <c>{"errors":[{code,title,detail}]}</c>,
/// so the SDK reports them like Telnyx's.
/// </summary>
public static class RefusalWriter
{
    /// <summary>Telnyx's API base path, served by the gateway for bots' call control.</summary>
    public const string TelnyxPaths = "/v2";

    public static async Task WriteAsync(HttpContext context, Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(refusal);
        var response = context.Response;
        response.StatusCode = refusal.Status;
        if (refusal.RetryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (context.Request.Path.StartsWithSegments(TelnyxPaths, StringComparison.Ordinal))
        {
            response.ContentType = "application/json";
            var body = new TelnyxErrorBody([new TelnyxError(refusal.Code, refusal.Title, refusal.Detail)]);
            await JsonSerializer.SerializeAsync(response.Body, body, RefusalJsonContext.Default.TelnyxErrorBody, context.RequestAborted);
            return;
        }

        var problem = refusal.Errors is { } errors
            ? new HttpValidationProblemDetails(errors.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal))
            : new ProblemDetails();
        if (refusal.Detail.Length > 0)
        {
            problem.Detail = refusal.Detail;
        }

        problem.Status = refusal.Status;
        problem.Title = refusal.Title;
        problem.Extensions["code"] = refusal.Code;
        foreach (var (name, value) in refusal.Extensions)
        {
            problem.Extensions[name] = value;
        }

        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
        });
    }
}

/// <summary>An error the way Telnyx's API writes it.</summary>
internal sealed record TelnyxErrorBody(IReadOnlyList<TelnyxError> Errors);

internal sealed record TelnyxError(string Code, string Title, string Detail);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(TelnyxErrorBody))]
internal sealed partial class RefusalJsonContext : JsonSerializerContext;
