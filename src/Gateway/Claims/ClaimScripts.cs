namespace Gateway.Claims;

/// <summary>
/// Lua run inside Redis so that reading the agent's claims and changing them is a single atomic step for all
/// replicas. Times come from Redis's own clock (TIME), so replicas with skewed clocks agree on which leases
/// have lapsed. Every key of a script carries the agent's hash tag, so the scripts also run on Redis Cluster.
/// </summary>
/// <remarks>
/// Own code rather than a library's: the claim, its lease and the way a replica re-asserts and compensates its claims
/// are the product's core promise (no instance over its capacity across replicas, nothing left behind by a fault).
/// </remarks>
internal static class ClaimScripts
{
    /// <summary>
    /// KEYS[1] the agent's claim set, KEYS[2] its voided attempts, KEYS[3] its queue, KEYS[4] its queue's places.
    /// ARGV: session id, lease ms, the agent's maxConcurrentCalls, the attempt's id, a queue place's lease ms, then
    /// (instance id, capacity) pairs in registry order. Returns {0} agent at limit, {1} no free instance, {2, instance
    /// id} claimed, {3} voided (this attempt's reply was given up on, and the replica has already compensated it: it
    /// must not claim now), {4} the free slots belong to callers waiting ahead. A session that already holds a claim (a
    /// dialed-out call's reservation) on one of the given instances keeps it, its lease renewed; one on an instance no
    /// longer offered is dropped first. While callers wait, a session claims only when fewer of them wait ahead of it
    /// than there are free slots (a newcomer stands behind them all); a waiting session that asks renews its place, and
    /// leaves the queue when it claims. Places nobody renewed (their replica died) are dropped first.
    /// </summary>
    public static readonly string Claim = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lease = tonumber(ARGV[2])
        if redis.call('ZSCORE', KEYS[2], ARGV[4]) then
          return {3}
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local suffix = '|' .. ARGV[1]
        local offered = {}
        for i = 6, #ARGV, 2 do
          offered[ARGV[i]] = true
        end
        local members = redis.call('ZRANGE', KEYS[1], 0, -1)
        local total, used = 0, {}
        for _, member in ipairs(members) do
          local id = string.match(member, '^([^|]*)|')
          if string.sub(member, -#suffix) == suffix then
            if offered[id] then
              redis.call('ZADD', KEYS[1], now + lease, member)
              EXTEND_KEY
              return {2, id}
            end
            redis.call('ZREM', KEYS[1], member)
          else
            total = total + 1
            used[id] = (used[id] or 0) + 1
          end
        end
        SWEEP_PLACES
        local ahead = redis.call('ZCARD', KEYS[3])
        local waits = false
        if ahead > 0 then
          local rank = redis.call('ZRANK', KEYS[3], ARGV[1])
          if rank then
            ahead, waits = rank, true
            local placeLease = tonumber(ARGV[5])
            redis.call('ZADD', KEYS[4], now + placeLease, ARGV[1])
            redis.call('PEXPIRE', KEYS[3], 2 * placeLease)
            redis.call('PEXPIRE', KEYS[4], 2 * placeLease)
          end
        end
        if total >= tonumber(ARGV[3]) then
          return {0}
        end
        local best, bestLoad, free = nil, nil, 0
        for i = 6, #ARGV, 2 do
          local id = ARGV[i]
          local capacity = tonumber(ARGV[i + 1])
          local count = used[id] or 0
          if count < capacity then
            free = free + capacity - count
            local load = count / capacity
            if best == nil or load < bestLoad then
              best, bestLoad = id, load
            end
          end
        end
        if best == nil then
          return {1}
        end
        if ahead >= math.min(free, tonumber(ARGV[3]) - total) then
          return {4}
        end
        if waits then
          redis.call('ZREM', KEYS[3], ARGV[1])
          redis.call('ZREM', KEYS[4], ARGV[1])
        end
        redis.call('ZADD', KEYS[1], now + lease, best .. suffix)
        EXTEND_KEY
        return {2, best}
        """.Replace("EXTEND_KEY", ExtendKey, StringComparison.Ordinal).Replace("SWEEP_PLACES", QueueScripts.SweepLapsedPlaces("KEYS[3]", "KEYS[4]"), StringComparison.Ordinal);

    /// <summary>
    /// Makes the claim set hold one replica's claims of this agent, each with a fresh lease: present ones are extended,
    /// missing ones (a Redis that restarted empty, a new master that missed them, claims taken on local accounting)
    /// are created. KEYS[1] the agent's claim set. ARGV: lease ms, then (member, instance id, capacity) triples.
    /// Returns {claims created, claims in the set, instance ids now over their capacity…}.
    /// </summary>
    public static readonly string Reassert = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lease = tonumber(ARGV[1])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local created, capacity = 0, {}
        for i = 2, #ARGV, 3 do
          created = created + redis.call('ZADD', KEYS[1], now + lease, ARGV[i])
          capacity[ARGV[i + 1]] = tonumber(ARGV[i + 2])
        end
        EXTEND_KEY
        local members = redis.call('ZRANGE', KEYS[1], 0, -1)
        local used = {}
        for _, member in ipairs(members) do
          local id = string.match(member, '^([^|]*)|')
          used[id] = (used[id] or 0) + 1
        end
        local result = {created, #members}
        for id, cap in pairs(capacity) do
          if used[id] > cap then
            table.insert(result, id)
          end
        end
        return result
        """.Replace("EXTEND_KEY", ExtendKey, StringComparison.Ordinal);

    /// <summary>
    /// Undoes what a write whose reply was lost may have done, whenever it runs: removes every claim of the session
    /// except the one the replica holds (ARGV[2], or '' for none), and voids the attempt ARGV[3] (when not '') so
    /// that the claim script, should it run after this, claims nothing. KEYS[1] the agent's claim set, KEYS[2] its
    /// voided attempts. ARGV: session id, member kept, attempt id, lease ms. Returns the claims removed.
    /// </summary>
    public static readonly string Compensate = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lease = tonumber(ARGV[4])
        if ARGV[3] ~= '' then
          redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
          redis.call('ZADD', KEYS[2], now + lease, ARGV[3])
          redis.call('PEXPIRE', KEYS[2], lease)
        end
        local suffix = '|' .. ARGV[1]
        local removed = 0
        for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
          if member ~= ARGV[2] and string.sub(member, -#suffix) == suffix then
            removed = removed + redis.call('ZREM', KEYS[1], member)
          end
        end
        return removed
        """;

    /// <summary>
    /// Removes a released claim and, when callers wait for the agent, tells every replica its queue may move. KEYS[1]
    /// the agent's claim set, KEYS[2] its queue. ARGV: the claim's member, the notice channel, the agent key.
    /// </summary>
    public static readonly string Release = """
        local removed = redis.call('ZREM', KEYS[1], ARGV[1])
        if redis.call('EXISTS', KEYS[2]) == 1 then
          redis.call('PUBLISH', ARGV[2], ARGV[3])
        end
        return removed
        """;

    // The set outlives its longest lease by one more lease: never shortened by a claim with a shorter lease than a
    // reservation it holds, and gone on its own once every replica holding claims in it has died.
    private const string ExtendKey = """
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        if last[2] then redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(last[2])) + lease) end
        """;

    public static string Member(string instanceId, string sessionId) => instanceId + "|" + sessionId;
}
