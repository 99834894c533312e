using Gateway.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Hosting;

/// <summary>
/// Routing answers an unknown path (404), a method a path does not take (405, with <c>Allow</c>) and a body of a media
/// type the route does not take (415) before any endpoint runs, with no body. Under the APIs' prefixes those answers
/// get the refusal vocabulary like every other one: problem+json with a <c>code</c>, Telnyx's error shape under
/// <c>/v2</c>. Other paths (the media stream, TeXML) keep routing's bare answers, which Telnyx never reads.
/// </summary>
internal static class RouteRefusals
{
    private static readonly string[] ApiPrefixes = ["/admin/v1", "/v1", RefusalWriter.TelnyxPaths];

    /// <remarks>
    /// Only requests under the APIs' prefixes pass through the status-code middleware: a media stream would otherwise
    /// hold its frame and feature for the call's whole life.
    /// </remarks>
    public static IApplicationBuilder UseRouteRefusals(this IApplicationBuilder app) =>
        app.UseWhen(IsApiRequest, api => api.UseStatusCodePages(async pages =>
        {
            var context = pages.HttpContext;

            // Only routing's own answers: no endpoint (an unknown path), or its rejection endpoints, which carry no
            // metadata. An endpoint's bare answer stays its own (Telnyx's, forwarded as is, may be an empty 404).
            if (context.GetEndpoint() is { Metadata.Count: > 0 })
            {
                return;
            }

            var refusal = context.Response.StatusCode switch
            {
                StatusCodes.Status404NotFound => Refusals.NoRoute(context),
                StatusCodes.Status405MethodNotAllowed => Refusals.MethodNotAllowed(context),
                StatusCodes.Status415UnsupportedMediaType => Refusals.UnsupportedMediaType(context),
                _ => null,
            };
            if (refusal is not null)
            {
                await refusal.ExecuteAsync(context);
            }
        }));

    private static bool IsApiRequest(HttpContext context) =>
        ApiPrefixes.Any(prefix => context.Request.Path.StartsWithSegments(prefix, StringComparison.Ordinal));
}
