using Gateway.Metrics;
using Gateway.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.StreamAuth;

/// <summary>
/// Spent tokens shared by every replica (SET NX with the token's remaining life). While Redis is unreachable (or
/// answers an error, as during a failover) a token is let through, a warning logged and the error counted: it is still signed, scoped and short-lived, and calls keep flowing.
/// </summary>
public sealed partial class RedisSpentStreamTokens(IConnectionMultiplexer redis, RedisKeys keys, TimeProvider time, GatewayMetrics metrics, ILogger<RedisSpentStreamTokens> logger) : ISpentStreamTokens
{
    public async ValueTask<bool> TrySpendAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var remaining = expiresAt - time.GetUtcNow();
        if (remaining <= TimeSpan.Zero)
        {
            return false;
        }

        try
        {
            return await redis.GetDatabase().StringSetAsync(keys.SpentStreamToken(tokenId), 1, remaining, When.NotExists);
        }
        catch (RedisException e)
        {
            metrics.RedisError(RedisOperations.StreamTokens);
            LogUnchecked(logger, e.Message);
            return true;
        }
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "A single-use stream token was accepted without a replay check: Redis is unreachable ({Reason})")]
    private static partial void LogUnchecked(ILogger logger, string reason);
}
