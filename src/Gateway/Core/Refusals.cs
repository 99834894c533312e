using Microsoft.AspNetCore.Http;

namespace Gateway.Core;

/// <summary>The refusals every edge shares; each feature names its own besides (e.g. the stream's, TeXML's).</summary>
public static class Refusals
{
    private const string MergePatch = "application/merge-patch+json";

    public static Refusal Validation(IReadOnlyDictionary<string, string[]> errors) =>
        new(StatusCodes.Status400BadRequest, "validation_failed", "The request is not valid", string.Empty) { Errors = errors };

    public static Refusal Validation(string field, string message) => Validation(new Dictionary<string, string[]> { [field] = [message] });

    /// <summary>
    /// A body of a media type the route does not take: a PATCH takes a JSON merge patch (and says so in
    /// <c>Accept-Patch</c>, RFC 5789), every other write <c>application/json</c>.
    /// </summary>
    public static Refusal UnsupportedMediaType(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var patch = HttpMethods.IsPatch(context.Request.Method);
        if (patch)
        {
            context.Response.Headers["Accept-Patch"] = MergePatch;
        }

        return new(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Unsupported media type",
            patch ? $"Send the patch as {MergePatch} (RFC 7386)." : $"Send the body as application/json{(context.Request.ContentType?.Contains(MergePatch, StringComparison.OrdinalIgnoreCase) == true ? "; a merge patch goes with PATCH" : string.Empty)}.");
    }

    /// <summary>A body of a media type a route that takes no JSON does not take (an audio file, say).</summary>
    /// <param name="what">What the route takes, e.g. <c>the clip</c>.</param>
    /// <param name="mediaType">Its media type, e.g. <c>audio/wav</c>.</param>
    public static Refusal UnsupportedMediaType(string what, string mediaType) =>
        new(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Unsupported media type", $"Send {what} as {mediaType}.");

    /// <summary>A path that exists, asked with a method it does not answer; the <c>Allow</c> header (routing's) lists those it does.</summary>
    public static Refusal MethodNotAllowed(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var allow = context.Response.Headers.Allow.ToString();
        return new(StatusCodes.Status405MethodNotAllowed, "method_not_allowed", "Method not allowed",
            $"{context.Request.Method} is not answered here; {(allow.Length == 0 ? "no method is" : $"{allow} {(allow.Contains(',', StringComparison.Ordinal) ? "are" : "is")}")}.");
    }

    /// <summary>A path no route answers.</summary>
    public static Refusal NoRoute(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return NotFound($"No route answers {context.Request.Method} {context.Request.Path}.");
    }

    /// <summary>A request the server could not read as HTTP/1.1 (a malformed or oversized head, or one too slow to come).</summary>
    public static Refusal BadRequest(int status, string detail) => new(status, "bad_request", "Bad request", detail);

    public static Refusal NotFound(string detail) => new(StatusCodes.Status404NotFound, "not_found", "Not found", detail);

    public static Refusal Conflict(string code, string detail) => new(StatusCodes.Status409Conflict, code, "Conflict", detail);

    public static Refusal PreconditionFailed(string detail) =>
        new(StatusCodes.Status412PreconditionFailed, "precondition_failed", "The resource has changed", detail);

    public static Refusal Forbidden(string detail) => new(StatusCodes.Status403Forbidden, "forbidden", "Forbidden", detail);

    public static Refusal Unauthorized(string detail) => new(StatusCodes.Status401Unauthorized, "unauthorized", "Unauthorized", detail);

    /// <summary>Redis, where the gateway keeps its state, did not answer: nothing is confirmed.</summary>
    public static Refusal RedisUnavailable() =>
        new(StatusCodes.Status503ServiceUnavailable, "redis_unavailable", "Redis unavailable",
            "Redis, where the gateway keeps its state, did not answer; nothing is confirmed. Try again.")
        { RetryAfterSeconds = 1 };

    /// <summary>A write reached the Redis master but not the replicas a failover could promote: it may or may not survive.</summary>
    public static Refusal RedisNotDurable(string reason) =>
        new(StatusCodes.Status503ServiceUnavailable, "redis_not_durable", "Write not confirmed", $"{reason} Read the resource before retrying.")
        { RetryAfterSeconds = 1 };
}
