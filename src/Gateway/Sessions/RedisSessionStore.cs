using System.Text.Json;
using Gateway.Claims;
using Gateway.Metrics;
using Gateway.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Sessions;

/// <summary>
/// Session records in Redis: one JSON string per call expiring with the replica's lease, and per organization a
/// sorted set of session ids scored by that expiry, so listing skips the records of dead replicas.
/// </summary>
public sealed partial class RedisSessionStore(
    IConnectionMultiplexer redis,
    RedisKeys keys,
    IOptions<ClaimOptions> options,
    TimeProvider time,
    GatewayMetrics metrics,
    ILogger<RedisSessionStore> logger) : ISessionStore
{
    private TimeSpan Lease => options.Value.LeaseDuration;

    public async Task AddAsync(CallSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(session, SessionJsonContext.Default.CallSession);
            var batch = redis.GetDatabase().CreateBatch();
            var set = batch.StringSetAsync(keys.Session(session.SessionId), json, Lease);
            var index = batch.SortedSetAddAsync(keys.OrgSessions(session.Org), session.SessionId, ExpiryScore());
            var expire = batch.KeyExpireAsync(keys.OrgSessions(session.Org), Lease * 2);
            batch.Execute();
            await Task.WhenAll(set, index, expire);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            metrics.RedisError(RedisOperations.Sessions);
            LogWriteFailed(logger, session.SessionId, "record", e.Message);
        }
    }

    public async Task RemoveAsync(CallSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        try
        {
            var batch = redis.GetDatabase().CreateBatch();
            var delete = batch.KeyDeleteAsync(keys.Session(session.SessionId));
            var unindex = batch.SortedSetRemoveAsync(keys.OrgSessions(session.Org), session.SessionId);
            batch.Execute();
            await Task.WhenAll(delete, unindex);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            metrics.RedisError(RedisOperations.Sessions);
            LogWriteFailed(logger, session.SessionId, "removal", e.Message);
        }
    }

    public async Task RenewAsync(IReadOnlyCollection<CallSession> sessions, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        if (sessions.Count == 0)
        {
            return;
        }

        var score = ExpiryScore();
        var batch = redis.GetDatabase().CreateBatch();
        var pending = new List<Task>(sessions.Count * 2);
        foreach (var session in sessions)
        {
            pending.Add(batch.KeyExpireAsync(keys.Session(session.SessionId), Lease));
            pending.Add(batch.SortedSetAddAsync(keys.OrgSessions(session.Org), session.SessionId, score, SortedSetWhen.Exists));
        }

        foreach (var org in sessions.Select(s => s.Org).Distinct(StringComparer.Ordinal))
        {
            pending.Add(batch.KeyExpireAsync(keys.OrgSessions(org), Lease * 2));
        }

        batch.Execute();
        await Task.WhenAll(pending);
    }

    public async Task<CallSession?> GetAsync(string sessionId, CancellationToken cancellationToken = default)
    {
        var json = await redis.GetDatabase().StringGetAsync(keys.Session(sessionId));
        return Deserialize(json);
    }

    public async Task<IReadOnlyList<CallSession>> ListAsync(string org, CancellationToken cancellationToken = default)
    {
        var database = redis.GetDatabase();
        var index = keys.OrgSessions(org);
        await database.SortedSetRemoveRangeByScoreAsync(index, double.NegativeInfinity, time.GetUtcNow().ToUnixTimeMilliseconds());
        var ids = await database.SortedSetRangeByRankAsync(index);
        var records = await Task.WhenAll(ids.Select(id => database.StringGetAsync(keys.Session(id.ToString()))));
        return [.. records.Select(Deserialize).OfType<CallSession>().OrderBy(s => s.Started)];
    }

    private long ExpiryScore() => (time.GetUtcNow() + Lease).ToUnixTimeMilliseconds();

    private static CallSession? Deserialize(RedisValue json) =>
        json.IsNull ? null : JsonSerializer.Deserialize((byte[])json!, SessionJsonContext.Default.CallSession);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
        Message = "Session {SessionId}: the session {Operation} could not be written to Redis ({Reason})")]
    private static partial void LogWriteFailed(ILogger logger, string sessionId, string operation, string reason);
}
