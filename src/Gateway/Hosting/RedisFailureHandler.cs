using Gateway.Core;
using Gateway.Redis;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Hosting;

/// <summary>
/// Answers a request that Redis failed with 503 and a <c>Retry-After</c>: <c>redis_not_durable</c> when a write reached
/// the master but not the replicas a failover could promote (it may or may not survive: read before retrying),
/// <c>redis_unavailable</c> when Redis did not answer. Never a 2xx for a write that may vanish, never a bare 500.
/// </summary>
public sealed partial class RedisFailureHandler(ILogger<RedisFailureHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var refusal = exception switch
        {
            RedisNotDurableException => Refusals.RedisNotDurable(exception.Message),
            RedisException or RedisTimeoutException => Refusals.RedisUnavailable(),
            _ => null,
        };
        if (refusal is null || httpContext.Response.HasStarted)
        {
            return false;
        }

        LogRefused(logger, httpContext.Request.Method, httpContext.Request.Path, refusal.Code, exception.Message);
        await refusal.ExecuteAsync(httpContext);
        return true;
    }

    [LoggerMessage(EventId = 9301, Level = LogLevel.Warning, Message = "{Method} {Path} answered 503 {Code}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, PathString path, string code, string reason);
}
