using Gateway.Core;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// How many members of each agent's lease-scored sorted set (claims, queue places) have not lapsed: one pipelined
/// <c>ZCOUNT key (now +inf</c> per agent. Lapsed members stay in a set until a script sweeps them, so the lease, not the
/// set's size, says what is live. The expiry is written on Redis's clock and compared here with this replica's, as the
/// session index is; clocks kept by NTP differ by far less than a lease.
/// </summary>
public static class LeasedCounts
{
    public static async ValueTask<IReadOnlyDictionary<AgentKey, long>> OfAsync(
        RedisConnection redis, IReadOnlyCollection<AgentKey> agents, Func<AgentKey, RedisKey> key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(agents);
        ArgumentNullException.ThrowIfNull(key);
        var batch = redis.Database.CreateBatch();
        var asked = agents.ToArray();
        var pending = asked.Select(agent => batch.SortedSetLengthAsync(key(agent), now.ToUnixTimeMilliseconds(), double.PositiveInfinity, Exclude.Start)).ToArray();
        batch.Execute();
        var counts = await Task.WhenAll(pending).WaitAsync(cancellationToken);
        var byAgent = new Dictionary<AgentKey, long>(asked.Length);
        for (var i = 0; i < asked.Length; i++)
        {
            byAgent[asked[i]] = counts[i];
        }

        return byAgent;
    }
}
