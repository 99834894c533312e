using Microsoft.AspNetCore.Http;

namespace Gateway.Core;

/// <summary>The refusals every edge shares; each feature names its own besides (e.g. the stream's, TeXML's).</summary>
public static class Refusals
{
    public static Refusal Validation(IReadOnlyDictionary<string, string[]> errors) =>
        new(StatusCodes.Status400BadRequest, "validation_failed", "The request is not valid", string.Empty) { Errors = errors };

    public static Refusal Validation(string field, string message) => Validation(new Dictionary<string, string[]> { [field] = [message] });

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
