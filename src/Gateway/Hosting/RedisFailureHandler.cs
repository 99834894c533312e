using Gateway.Redis;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Hosting;

/// <summary>
/// Answers a request that Redis failed with 503 and a <c>Retry-After</c>, as problem+json: <c>redis_not_durable</c>
/// when a write reached the master but not the replicas a failover could promote (it may or may not survive: read
/// before retrying), <c>redis_unavailable</c> when Redis did not answer. Never a 2xx for a write that may vanish,
/// never a bare 500.
/// </summary>
public sealed partial class RedisFailureHandler(IProblemDetailsService problems, ILogger<RedisFailureHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var (code, title, detail) = exception switch
        {
            RedisNotDurableException => ("redis_not_durable", "Write not confirmed", $"{exception.Message} Read the resource before retrying."),
            RedisException or RedisTimeoutException => ("redis_unavailable", "Redis unavailable", "Redis, where the gateway keeps its state, did not answer; nothing is confirmed. Try again."),
            _ => (null, null, null),
        };
        if (code is null || httpContext.Response.HasStarted)
        {
            return false;
        }

        LogRefused(logger, httpContext.Request.Method, httpContext.Request.Path, code, exception.Message);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "1";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = title,
                Detail = detail,
                Extensions = { ["code"] = code },
            },
        });
    }

    [LoggerMessage(EventId = 9301, Level = LogLevel.Warning, Message = "{Method} {Path} answered 503 {Code}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, PathString path, string code, string reason);
}
