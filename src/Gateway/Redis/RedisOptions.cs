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
}
