namespace Gateway.Claims;

/// <summary>
/// Lua run inside Redis so that reading the agent's claims and adding one is a single atomic step for all
/// replicas. Times come from Redis's own clock (TIME), so replicas with skewed clocks agree on which leases
/// have lapsed. Every key of a script is one agent's claim set, so the scripts also run on Redis Cluster.
/// </summary>
internal static class ClaimScripts
{
    /// <summary>
    /// KEYS[1] the agent's claim set. ARGV: session id, lease ms, the agent's maxConcurrentCalls, then
    /// (instance id, capacity) pairs in registry order. Returns {0} agent at limit, {1} no free instance,
    /// {2, instance id} claimed. A session that already holds a claim (a dialed-out call's reservation) on one of the
    /// given instances keeps it, its lease renewed; one on an instance no longer offered is dropped first.
    /// </summary>
    public static readonly string Claim = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lease = tonumber(ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local suffix = '|' .. ARGV[1]
        local offered = {}
        for i = 4, #ARGV, 2 do
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
        if total >= tonumber(ARGV[3]) then
          return {0}
        end
        local best, bestLoad = nil, nil
        for i = 4, #ARGV, 2 do
          local id = ARGV[i]
          local capacity = tonumber(ARGV[i + 1])
          local count = used[id] or 0
          if count < capacity then
            local load = count / capacity
            if best == nil or load < bestLoad then
              best, bestLoad = id, load
            end
          end
        end
        if best == nil then
          return {1}
        end
        redis.call('ZADD', KEYS[1], now + lease, best .. suffix)
        EXTEND_KEY
        return {2, best}
        """.Replace("EXTEND_KEY", ExtendKey, StringComparison.Ordinal);

    /// <summary>KEYS[1] the agent's claim set. ARGV: lease ms, then the members to extend (only those still present).</summary>
    public static readonly string Renew = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lease = tonumber(ARGV[1])
        for i = 2, #ARGV do
          redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i])
        end
        EXTEND_KEY
        return #ARGV - 1
        """.Replace("EXTEND_KEY", ExtendKey, StringComparison.Ordinal);

    // The set outlives its longest lease by one more lease: never shortened by a claim with a shorter lease than a
    // reservation it holds, and gone on its own once every replica holding claims in it has died.
    private const string ExtendKey = """
        local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
        if last[2] then redis.call('PEXPIREAT', KEYS[1], math.floor(tonumber(last[2])) + lease) end
        """;

    public static string Member(string instanceId, string sessionId) => instanceId + "|" + sessionId;
}
