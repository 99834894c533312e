using System.Collections.Concurrent;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// The Data Protection key ring (it encrypts tenant secrets and signs stream tokens) as a Redis list, shared by every
/// replica. Each replica remembers every key it has read or written and writes back any the list lost (a Redis that
/// restarted empty, a failover to a replica that missed a new key), at every read and whenever the connection comes
/// back: a key that vanished would leave every secret it encrypted unreadable.
/// </summary>
/// <remarks>
/// Own code rather than the DataProtection.StackExchangeRedis repository: that one reads and appends, and neither
/// confirms a new key on the replicas nor restores a lost one.
/// </remarks>
public sealed partial class RedisKeyRing : IXmlRepository
{
    private readonly RedisConnection _redis;
    private readonly DurableWrites _durable;
    private readonly RedisKey _key;
    private readonly ILogger<RedisKeyRing> _logger;
    private readonly ConcurrentDictionary<string, byte> _known = new(StringComparer.Ordinal);

    public RedisKeyRing(RedisConnection redis, DurableWrites durable, RedisKeys keys, ILogger<RedisKeyRing> logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(keys);
        _redis = redis;
        _durable = durable;
        _key = keys.DataProtectionKeys;
        _logger = logger;
        redis.Restored += (_, _) => _ = Task.Run(RestoreQuietly);
    }

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var stored = _redis.Database.ListRange(_key).Select(value => value.ToString()).ToList();
        foreach (var element in stored)
        {
            _known.TryAdd(element, 0);
        }

        var missing = Missing(stored);
        if (missing.Length > 0)
        {
            WriteBack(missing);
            stored.AddRange(missing);
        }

        return [.. stored.Select(XElement.Parse)];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        var value = element.ToString(SaveOptions.DisableFormatting);
        _known.TryAdd(value, 0);
        _redis.WriteDatabase.ListRightPush(_key, value);
        Confirm();
    }

    private string[] Missing(List<string> stored)
    {
        var present = stored.ToHashSet(StringComparer.Ordinal);
        return [.. _known.Keys.Where(element => !present.Contains(element))];
    }

    private void WriteBack(string[] missing)
    {
        LogRestoring(_logger, missing.Length);
        var database = _redis.WriteDatabase;
        foreach (var element in missing)
        {
            database.ListRightPush(_key, element);
        }

        Confirm();
    }

    private void Confirm()
    {
        try
        {
            _durable.Confirm(_key);
        }
        catch (RedisNotDurableException e)
        {
            // Not fatal: every replica that knows the key writes it back should a failover lose it.
            LogNotConfirmed(_logger, e.Message);
        }
    }

    private void RestoreQuietly()
    {
        if (_known.IsEmpty)
        {
            return;
        }

        try
        {
            var missing = Missing([.. _redis.Database.ListRange(_key).Select(value => value.ToString())]);
            if (missing.Length > 0)
            {
                WriteBack(missing);
            }
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            // The next read of the key ring checks again.
            LogRestoreFailed(_logger, e.Message);
        }
    }

    [LoggerMessage(EventId = 9101, Level = LogLevel.Warning, Message = "Redis lost {Count} Data Protection keys this replica knows; writing them back")]
    private static partial void LogRestoring(ILogger logger, int count);

    [LoggerMessage(EventId = 9102, Level = LogLevel.Warning, Message = "A Data Protection key write was not confirmed on the Redis replicas: {Reason}")]
    private static partial void LogNotConfirmed(ILogger logger, string reason);

    [LoggerMessage(EventId = 9103, Level = LogLevel.Warning, Message = "Could not check the Data Protection key ring in Redis after reconnecting: {Reason}")]
    private static partial void LogRestoreFailed(ILogger logger, string reason);
}
