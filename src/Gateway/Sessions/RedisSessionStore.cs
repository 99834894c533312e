using System.Collections.Concurrent;
using System.Text.Json;
using Gateway.Core;
using Gateway.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Sessions;

/// <summary>
/// Session records in Redis: one JSON string per call expiring with the replica's lease, and per organization a
/// sorted set of session ids scored by that expiry, so listing skips the records of dead replicas.
/// </summary>
/// <remarks>
/// The replica keeps the records of its live calls and writes them all back at every re-assert, so a Redis that lost
/// them has them again within one renewal. An ended call's record is replaced by a short-lived <c>ended</c> marker
/// that the write script respects: a write that a stalled Redis runs late cannot bring the record back.
/// </remarks>
public sealed partial class RedisSessionStore(
    RedisConnection redis,
    RedisKeys keys,
    IOptions<LeaseOptions> options,
    TimeProvider time,
    IStoreTelemetry metrics,
    ILogger<RedisSessionStore> logger) : ISessionStore
{
    // Each live record as Redis is sent it: serialized once per change, not at every re-assert of every call (its few
    // hundred bytes are kept for the call's life; re-serializing them every renewal allocated more than that each time).
    private readonly ConcurrentDictionary<string, Written> _live = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CallSession> _ended = new(StringComparer.Ordinal);

    private TimeSpan Lease => options.Value.LeaseDuration;

    public bool IsUnsettled => !_ended.IsEmpty;

    public async Task AddAsync(CallSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var json = JsonSerializer.SerializeToUtf8Bytes(session, SessionJsonContext.Default.CallSession);
        var written = new Written(session, [keys.Session(session.SessionId)], [json, (long)Lease.TotalMilliseconds], keys.OrgSessions(session.Org));
        _live[session.SessionId] = written;
        try
        {
            await WriteAsync([written]);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            // Written at the next re-assert.
            metrics.RedisError(RedisOperations.Sessions);
            LogWriteFailed(logger, session.SessionId, "record", e.Message);
        }
    }

    public async Task RemoveAsync(CallSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _live.TryRemove(session.SessionId, out _);
        _ended[session.SessionId] = session;
        try
        {
            await EndAsync([session]);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            metrics.RedisError(RedisOperations.Sessions);
            LogWriteFailed(logger, session.SessionId, "removal", e.Message);
        }
    }

    public async Task ReassertAsync(CancellationToken cancellationToken)
    {
        var ended = _ended.Values.ToArray();
        var live = _live.Values.ToArray();
        try
        {
            if (ended.Length > 0)
            {
                await EndAsync(ended);
            }

            if (live.Length > 0)
            {
                await WriteAsync(live);
            }
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            metrics.RedisError(RedisOperations.Sessions);
            throw;
        }
    }

    public async Task<CallSession?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var json = await redis.Database.StringGetAsync(keys.Session(sessionId));
        return Deserialize(json);
    }

    public async Task<IReadOnlyList<CallSession>> ListAsync(string org, CancellationToken cancellationToken = default)
    {
        var database = redis.Database;
        var index = keys.OrgSessions(org);
        await database.SortedSetRemoveRangeByScoreAsync(index, double.NegativeInfinity, time.GetUtcNow().ToUnixTimeMilliseconds());
        var ids = await database.SortedSetRangeByRankAsync(index);
        var records = await Task.WhenAll(ids.Select(id => database.StringGetAsync(keys.Session(id.ToString()))));
        return [.. records.Select(Deserialize).OfType<CallSession>().OrderBy(s => s.Started)];
    }

    /// <summary>Writes records with a fresh lease and indexes them, in one round trip.</summary>
    private async Task WriteAsync(Written[] records)
    {
        var score = ExpiryScore();
        var batch = redis.Database.CreateBatch();
        var pending = new List<Task>(records.Length * 2);
        foreach (var (session, scriptKeys, scriptArguments, orgIndex) in records)
        {
            pending.Add(batch.ScriptEvaluateAsync(SessionScripts.Write, scriptKeys, scriptArguments));
            pending.Add(batch.SortedSetAddAsync(orgIndex, session.SessionId, score));
        }

        foreach (var orgIndex in records.Select(record => record.OrgIndex).Distinct())
        {
            pending.Add(batch.KeyExpireAsync(orgIndex, Lease * 2));
        }

        batch.Execute();
        await Task.WhenAll(pending);
    }

    /// <summary>Marks records ended and unindexes them; those confirmed are settled.</summary>
    private async Task EndAsync(CallSession[] sessions)
    {
        var batch = redis.Database.CreateBatch();
        var pending = new List<Task>(sessions.Length * 2);
        foreach (var session in sessions)
        {
            pending.Add(batch.StringSetAsync(keys.Session(session.SessionId), SessionScripts.Ended, Lease));
            pending.Add(batch.SortedSetRemoveAsync(keys.OrgSessions(session.Org), session.SessionId));
        }

        batch.Execute();
        await Task.WhenAll(pending);
        foreach (var session in sessions)
        {
            _ended.TryRemove(new(session.SessionId, session));
        }
    }

    private long ExpiryScore() => (time.GetUtcNow() + Lease).ToUnixTimeMilliseconds();

    private static CallSession? Deserialize(RedisValue json) =>
        json.IsNull || json == SessionScripts.Ended ? null : JsonSerializer.Deserialize((byte[])json!, SessionJsonContext.Default.CallSession);

    /// <summary>
    /// A live record as its write script and index take it, built once: every re-assert sends it again for each live
    /// call, and building the key arrays and the organization's index key anew each time was most of what it allocated.
    /// </summary>
    private sealed record Written(CallSession Session, RedisKey[] ScriptKeys, RedisValue[] ScriptArguments, RedisKey OrgIndex);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Session {SessionId}: the session {Operation} could not be written to Redis ({Reason}); retried once Redis answers")]
    private static partial void LogWriteFailed(ILogger logger, string sessionId, string operation, string reason);
}
