using System.ComponentModel.DataAnnotations;

namespace Gateway.Redis;

public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>
    /// Put before every key and channel, so several gateway deployments can share one Redis.
    /// Keys of one agent share a hash tag, <c>{org/agent}</c>, so they land in one Redis Cluster slot.
    /// </summary>
    [Required(AllowEmptyStrings = true)]
    [RegularExpression("^[A-Za-z0-9:_.-]*$")]
    public string KeyPrefix { get; set; } = "gateway:";

    /// <summary>
    /// How long a command may wait for Redis. Kept short: a call's setup waits on its claim, and when Redis
    /// is away the gateway would rather route on what it knows than hold the caller.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many replicas must acknowledge an admin write (or a key ring write) before it is answered 2xx, so that a
    /// routine failover cannot lose it. -1 (the default): 1 with Sentinel, 1 on a cluster that has replicas, 0 on a
    /// single server (set it when a replica of a single server may be promoted by hand).
    /// </summary>
    [Range(-1, 16)]
    public int WriteAcknowledgements { get; set; } = -1;

    /// <summary>How long a write waits for those acknowledgements before it is answered 503 <c>redis_not_durable</c>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan WriteAcknowledgementTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// With Sentinel: how often the Sentinels are asked which node is the master, besides their <c>+switch-master</c>
    /// notices (which a dropped Sentinel connection can miss).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan SentinelPollInterval { get; set; } = TimeSpan.FromSeconds(1);
}
