using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// Confirms that writes made through <see cref="RedisConnection.WriteDatabase"/> reached the replicas a failover could
/// promote (<c>WAIT</c>), before they are answered 2xx. Redis replicates asynchronously: a write the master took but no
/// replica has yet is lost when that master fails over.
/// </summary>
public sealed class DurableWrites(RedisConnection redis, IOptions<RedisOptions> options)
{
    private readonly RedisOptions _options = options.Value;

    /// <summary>How many replicas must acknowledge: <see cref="RedisOptions.WriteAcknowledgements"/>, or what the topology implies.</summary>
    public int RequiredAcknowledgements => _options.WriteAcknowledgements >= 0
        ? _options.WriteAcknowledgements
        : redis.Topology switch
        {
            RedisTopology.Sentinel => 1,
            RedisTopology.Cluster => redis.WriteMultiplexer.GetServers().Any(server => server.IsReplica) ? 1 : 0,
            _ => 0,
        };

    /// <summary>
    /// Waits until the writes this process made so far on the connection that holds <paramref name="key"/> (the last
    /// one included) are on enough replicas.
    /// </summary>
    /// <exception cref="RedisNotDurableException">Not within <see cref="RedisOptions.WriteAcknowledgementTimeout"/>.</exception>
    public async Task ConfirmAsync(RedisKey key)
    {
        var required = RequiredAcknowledgements;
        if (required == 0)
        {
            return;
        }

        var acknowledged = await WaitAsync(key, required, server => server.ExecuteAsync("WAIT", required, TimeoutMilliseconds));
        if (acknowledged < required)
        {
            throw new RedisNotDurableException(acknowledged, required);
        }
    }

    /// <summary>The blocking twin of <see cref="ConfirmAsync"/>, for the synchronous Data Protection key ring.</summary>
    public void Confirm(RedisKey key)
    {
        var required = RequiredAcknowledgements;
        if (required == 0)
        {
            return;
        }

        var acknowledged = WaitAsync(key, required, server => Task.FromResult(server.Execute("WAIT", required, TimeoutMilliseconds))).GetAwaiter().GetResult();
        if (acknowledged < required)
        {
            throw new RedisNotDurableException(acknowledged, required);
        }
    }

    private long TimeoutMilliseconds => (long)_options.WriteAcknowledgementTimeout.TotalMilliseconds;

    private async Task<long> WaitAsync(RedisKey key, int required, Func<IServer, Task<RedisResult>> wait)
    {
        // WAIT counts the writes of the connection it is sent on, to the server it is sent to: the writes connection's
        // link to the node that holds the key (on a cluster, that key's master).
        var multiplexer = redis.WriteMultiplexer;
        var endpoint = multiplexer.GetDatabase().IdentifyEndpoint(key)
            ?? throw new RedisNotDurableException(0, required);
        try
        {
            return (long)await wait(multiplexer.GetServer(endpoint));
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            throw new RedisNotDurableException($"Could not confirm that the write reached the Redis replicas: {e.Message}", e);
        }
    }
}
