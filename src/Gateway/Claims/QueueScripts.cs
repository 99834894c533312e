namespace Gateway.Claims;

/// <summary>
/// Lua run inside Redis for the agents' queues, so that reading a queue and changing it is one atomic step for all
/// replicas; the claim script reads the same keys (<see cref="ClaimScripts.Claim"/>). Every key carries the agent's hash
/// tag, so the scripts also run on Redis Cluster.
/// </summary>
internal static class QueueScripts
{
    /// <summary>
    /// KEYS[1] the agent's queue, KEYS[2] its places, KEYS[3] its ticket counter. ARGV: session id, place lease ms,
    /// maxLength. Drops places nobody renewed, then puts the session last with the next ticket (or renews the place it
    /// holds). Returns {1, callers waiting} joined, {0, callers waiting} full.
    /// </summary>
    public static readonly string Join = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lease = tonumber(ARGV[2])
        SWEEP_PLACES
        local waiting = redis.call('ZCARD', KEYS[1])
        if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then
          if waiting >= tonumber(ARGV[3]) then
            return {0, waiting}
          end
          redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[1])
          waiting = waiting + 1
        end
        redis.call('ZADD', KEYS[2], now + lease, ARGV[1])
        for i = 1, 3 do
          redis.call('PEXPIRE', KEYS[i], 2 * lease)
        end
        return {1, waiting}
        """.Replace("SWEEP_PLACES", SweepLapsedPlaces("KEYS[1]", "KEYS[2]"), StringComparison.Ordinal);

    /// <summary>
    /// Lua that drops the places nobody renewed (their replica died) from a queue and its places, given as the script's
    /// key expressions; <c>now</c> must be in scope. Shared by joining and by the claim script, which both sweep first.
    /// </summary>
    public static string SweepLapsedPlaces(string queue, string places) => $$"""
        for _, waiter in ipairs(redis.call('ZRANGEBYSCORE', {{places}}, '-inf', now)) do
          redis.call('ZREM', {{queue}}, waiter)
          redis.call('ZREM', {{places}}, waiter)
        end
        """;

    /// <summary>
    /// KEYS[1] the agent's queue, KEYS[2] its places. ARGV: session id, the notice channel, the agent key. Takes the
    /// session out and, when it was there, tells every replica the queue moved. Returns 1 when it was there.
    /// </summary>
    public static readonly string Leave = """
        local removed = redis.call('ZREM', KEYS[1], ARGV[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        if removed == 1 then
          redis.call('PUBLISH', ARGV[2], ARGV[3])
        end
        return removed
        """;
}
