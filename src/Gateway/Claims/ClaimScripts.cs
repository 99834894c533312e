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
    /// {2, instance id} claimed.
    /// </summary>
    public const string Claim = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lease = tonumber(ARGV[2])
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        local members = redis.call('ZRANGE', KEYS[1], 0, -1)
        if #members >= tonumber(ARGV[3]) then
          return {0}
        end
        local used = {}
        for _, member in ipairs(members) do
          local id = string.match(member, '^([^|]*)|')
          used[id] = (used[id] or 0) + 1
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
        redis.call('ZADD', KEYS[1], now + lease, best .. '|' .. ARGV[1])
        redis.call('PEXPIRE', KEYS[1], lease * 2)
        return {2, best}
        """;

    /// <summary>KEYS[1] the agent's claim set. ARGV: lease ms, then the members to extend (only those still present).</summary>
    public const string Renew = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local lease = tonumber(ARGV[1])
        for i = 2, #ARGV do
          redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i])
        end
        redis.call('PEXPIRE', KEYS[1], lease * 2)
        return #ARGV - 1
        """;

    public static string Member(string instanceId, string sessionId) => instanceId + "|" + sessionId;
}
