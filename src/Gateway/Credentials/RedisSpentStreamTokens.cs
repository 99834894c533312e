using Gateway.Core;
using Gateway.Redis;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Credentials;

/// <summary>
/// Spent tokens shared by every replica (SET NX with the token's remaining life). While Redis is unreachable (or
/// answers an error, as during a failover) a token is let through, a warning logged and the error counted: it is still
/// signed, scoped and short-lived, and calls keep flowing.
/// </summary>
/// <remarks>
/// The replica also remembers the tokens spent through it until they expire: a replay to the same replica is refused
/// even while Redis is away, and whenever the connection comes back (Redis may have restarted empty, or a new master may
/// have missed the writes) they are written back, so a replay to another replica is refused too.
/// </remarks>
public sealed partial class RedisSpentStreamTokens : ISpentStreamTokens
{
    private readonly RedisConnection _redis;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;
    private readonly IStoreTelemetry _metrics;
    private readonly ILogger<RedisSpentStreamTokens> _logger;
    private readonly InMemorySpentStreamTokens _spentHere;

    public RedisSpentStreamTokens(RedisConnection redis, RedisKeys keys, TimeProvider time, IStoreTelemetry metrics, ILogger<RedisSpentStreamTokens> logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _keys = keys;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _spentHere = new InMemorySpentStreamTokens(time);
        redis.Restored += (_, _) => _ = WriteBackAsync();
    }

    public async ValueTask<bool> TrySpendAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var remaining = expiresAt - _time.GetUtcNow();
        if (remaining <= TimeSpan.Zero || !await _spentHere.TrySpendAsync(tokenId, expiresAt, cancellationToken))
        {
            return false;
        }

        try
        {
            return await _redis.Database.StringSetAsync(_keys.SpentStreamToken(tokenId), 1, remaining, When.NotExists);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            _metrics.RedisError(RedisOperations.StreamTokens);
            LogUnchecked(_logger, e.Message);
            return true;
        }
    }

    private async Task WriteBackAsync()
    {
        try
        {
            var now = _time.GetUtcNow();
            var batch = _redis.Database.CreateBatch();
            var writes = _spentHere.Unexpired()
                .Select(spent => batch.StringSetAsync(_keys.SpentStreamToken(spent.Key), 1, spent.Value - now, When.NotExists))
                .ToList();
            batch.Execute();
            await Task.WhenAll(writes);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            _metrics.RedisError(RedisOperations.StreamTokens);
            LogWriteBackFailed(_logger, e.Message);
        }
    }

    [LoggerMessage(EventId = 8001, Level = LogLevel.Warning, Message = "A single-use stream token was accepted without a cross-replica replay check: Redis is unreachable ({Reason})")]
    private static partial void LogUnchecked(ILogger logger, string reason);

    [LoggerMessage(EventId = 8002, Level = LogLevel.Warning, Message = "Could not write the stream tokens spent here back to Redis after reconnecting: {Reason}")]
    private static partial void LogWriteBackFailed(ILogger logger, string reason);
}
