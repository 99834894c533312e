namespace Gateway.Registry;

/// <summary>
/// Lua for registry writes. Each touches one agent's keys only (its document, and its hold clip beside it, share a
/// hash slot), so it also runs on Redis Cluster.
/// </summary>
internal static class RegistryScripts
{
    /// <summary>
    /// Writes the agent document unless Redis already holds a higher revision of it. Revisions come from a separate
    /// counter (another slot on a cluster), so two replicas putting one agent can take their revisions in one order and
    /// write in the other; this keeps the higher revision whatever the order, so Redis and every replica's snapshot agree.
    /// KEYS[1] the agent document. ARGV: the new revision, the new document. Returns 1 written, 0 superseded.
    /// </summary>
    public const string PutIfNewer = """
        local current = redis.call('GET', KEYS[1])
        if current then
          local ok, document = pcall(cjson.decode, current)
          if ok and type(document) == 'table' and tonumber(document.revision) and tonumber(document.revision) > tonumber(ARGV[1]) then
            return 0
          end
        end
        redis.call('SET', KEYS[1], ARGV[2])
        return 1
        """;

    /// <summary>
    /// <see cref="PutIfNewer"/> behind a precondition: the stored revision must be ARGV[3] (0: no document).
    /// Returns 1 written, 0 superseded, -1 precondition failed.
    /// </summary>
    public const string PutIfRevision = """
        local current = redis.call('GET', KEYS[1])
        local stored = 0
        if current then
          local ok, document = pcall(cjson.decode, current)
          stored = (ok and type(document) == 'table' and tonumber(document.revision)) or -1
        end
        if stored ~= tonumber(ARGV[3]) then
          return -1
        end
        if stored > tonumber(ARGV[1]) then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[2])
        return 1
        """;

    /// <summary>
    /// Deletes the agent document, and KEYS[2] its hold clip, while its revision is ARGV[1]. Returns 1 deleted, 0 none,
    /// -1 another revision.
    /// </summary>
    public const string DeleteIfRevision = """
        local current = redis.call('GET', KEYS[1])
        if not current then
          return 0
        end
        local ok, document = pcall(cjson.decode, current)
        if not (ok and type(document) == 'table' and tonumber(document.revision) == tonumber(ARGV[1])) then
          return -1
        end
        redis.call('DEL', KEYS[1], KEYS[2])
        return 1
        """;

    /// <summary>
    /// Writes the agent document (ARGV[2], revision ARGV[1], naming its new hold clip or none) and KEYS[2] its hold clip
    /// (ARGV[4], the WAV; empty: removed) together, while the stored document's revision is ARGV[3]: the reference and
    /// the audio never disagree. Returns 1 written, 0 superseded, -1 precondition failed (no such agent included).
    /// </summary>
    public const string PutHoldClipIfRevision = """
        local current = redis.call('GET', KEYS[1])
        if not current then
          return -1
        end
        local ok, document = pcall(cjson.decode, current)
        local stored = (ok and type(document) == 'table' and tonumber(document.revision)) or -1
        if stored ~= tonumber(ARGV[3]) then
          return -1
        end
        if stored > tonumber(ARGV[1]) then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[2])
        if ARGV[4] == '' then
          redis.call('DEL', KEYS[2])
        else
          redis.call('SET', KEYS[2], ARGV[4])
        end
        return 1
        """;

    /// <summary>KEYS[1] the revision counter. Moves it up to ARGV[1] unless it is there already; returns what it held.</summary>
    public const string RaiseRevision = """
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        if current < tonumber(ARGV[1]) then
          redis.call('SET', KEYS[1], ARGV[1])
        end
        return current
        """;
}
