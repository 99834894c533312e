namespace Gateway.Sessions;

/// <summary>Lua for session records; each touches the record's own key only, so it also runs on Redis Cluster.</summary>
internal static class SessionScripts
{
    /// <summary>What an ended call's record key holds until its lease would have run out: no late write brings it back.</summary>
    public const string Ended = "ended";

    /// <summary>KEYS[1] the record. ARGV: the record's JSON, lease ms. Writes it unless the call has ended; returns 1 written, 0 ended.</summary>
    public const string Write = """
        if redis.call('GET', KEYS[1]) == 'ended' then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        return 1
        """;
}
