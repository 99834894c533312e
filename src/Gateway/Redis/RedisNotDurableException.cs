using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// A write reached the master but not the replicas a failover could promote, within
/// <see cref="RedisOptions.WriteAcknowledgementTimeout"/>: it may survive or vanish, so it must not be answered 2xx.
/// </summary>
public sealed class RedisNotDurableException : RedisException
{
    public RedisNotDurableException(long acknowledged, int required)
        : base($"The write reached {acknowledged} of the {required} Redis replicas it needs within the acknowledgement timeout; it may not survive a failover.")
    {
        Acknowledged = acknowledged;
        Required = required;
    }

    public RedisNotDurableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public long Acknowledged { get; }

    public int Required { get; }
}
