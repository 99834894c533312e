using System.Text.Json;
using Gateway.Core;
using Gateway.Redis;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Registry;

/// <summary>
/// The registry in Redis, served from an in-process snapshot. Writers publish the changed agent's key; every
/// replica re-reads that agent at once (well within a second) and fully reloads every
/// <see cref="RegistryOptions.ResyncInterval"/> as a backstop. While Redis is away the last snapshot keeps
/// routing calls. Writes are confirmed on the replicas a failover could promote before they return
/// (<see cref="DurableWrites"/>); a Redis found to have lost writes (its revision counter behind this replica's
/// snapshot: a restart without persistence, a failover to a replica that missed them) gets the snapshot written back.
/// </summary>
public sealed partial class RedisAgentRegistry : BackgroundService, IAgentRegistry
{
    private readonly RedisConnection _redis;
    private readonly DurableWrites _durable;
    private readonly RedisKeys _keys;
    private readonly RegistryOptions _options;
    private readonly IReadOnlyDictionary<AgentKey, AgentResource> _seed;
    private readonly TimeProvider _time;
    private readonly IStoreTelemetry _metrics;
    private readonly ILogger<RedisAgentRegistry> _logger;
    private readonly Lock _writeLock = new();
    private readonly WakeSignal _resyncNow;
    private volatile RegistrySnapshot _current = RegistrySnapshot.NotLoaded;

    // Agents changed by notices while a full reload was reading: the reload must not put back what it read before them.
    private HashSet<AgentKey>? _changedDuringResync;
    private volatile bool _seeded;
    private bool _subscribed;

    public RedisAgentRegistry(
        RedisConnection redis,
        DurableWrites durable,
        RedisKeys keys,
        IOptions<RegistryOptions> options,
        RegistrySeedSource seed,
        TimeProvider time,
        IStoreTelemetry metrics,
        ILogger<RedisAgentRegistry> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(seed);
        _redis = redis;
        _durable = durable;
        _keys = keys;
        _options = options.Value;
        _seed = seed.Agents;
        _time = time;
        _resyncNow = new WakeSignal(time);
        _metrics = metrics;
        _logger = logger;
    }

    public RegistrySnapshot Current => _current;

    /// <summary>When the snapshot last matched Redis in full; null before the first load and after a failed sync.</summary>
    public DateTimeOffset? LastSyncedAt { get; private set; }

    /// <summary>When the snapshot last matched Redis in full; unlike <see cref="LastSyncedAt"/>, kept through failures (staleness).</summary>
    public DateTimeOffset? LastFullSyncAt { get; private set; }

    public async Task<long> PutAsync(AgentKey key, AgentResource resource, CancellationToken cancellationToken = default) =>
        (await PutAsync(key, resource, expectedRevision: null))!.Value;

    public Task<long?> PutIfRevisionAsync(AgentKey key, AgentResource resource, long expectedRevision, CancellationToken cancellationToken = default) =>
        PutAsync(key, resource, expectedRevision);

    public async Task<bool?> DeleteIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default)
    {
        var database = await _redis.WriteDatabaseAsync();
        var deleted = (int)await database.ScriptEvaluateAsync(RegistryScripts.DeleteIfRevision, [_keys.Agent(key)], [expectedRevision]);
        if (deleted != 1)
        {
            return deleted == 0 ? false : null;
        }

        await database.SetRemoveAsync(_keys.AgentIndex, key.ToString());
        var revision = await NextRevisionAsync(database);
        ApplyRemoval(key, revision);
        await database.PublishAsync(_keys.RegistryChanges, key.ToString());
        await ConfirmAsync(key);
        return true;
    }

    private async Task<long?> PutAsync(AgentKey key, AgentResource resource, long? expectedRevision)
    {
        var database = await _redis.WriteDatabaseAsync();
        var revision = await NextRevisionAsync(database);
        var json = JsonSerializer.SerializeToUtf8Bytes(new StoredAgent(revision, resource), RegistryJsonContext.Default.StoredAgent);
        var result = expectedRevision is { } expected
            ? (int)await database.ScriptEvaluateAsync(RegistryScripts.PutIfRevision, [_keys.Agent(key)], [revision, json, expected])
            : (int)await database.ScriptEvaluateAsync(RegistryScripts.PutIfNewer, [_keys.Agent(key)], [revision, json]);
        if (result == -1)
        {
            return null;
        }

        var written = result == 1;
        await database.SetAddAsync(_keys.AgentIndex, key.ToString());
        if (written)
        {
            Apply(key, new RegisteredAgent(key, resource, revision));
        }

        // Published either way: a write superseded by a concurrent one still tells replicas to read the winner.
        await database.PublishAsync(_keys.RegistryChanges, key.ToString());
        await ConfirmAsync(key);
        return revision;
    }

    public async Task<bool> DeleteAsync(AgentKey key, CancellationToken cancellationToken = default)
    {
        var database = await _redis.WriteDatabaseAsync();
        var existed = await database.KeyDeleteAsync(_keys.Agent(key));
        await database.SetRemoveAsync(_keys.AgentIndex, key.ToString());
        var revision = await NextRevisionAsync(database);
        ApplyRemoval(key, revision);
        await database.PublishAsync(_keys.RegistryChanges, key.ToString());
        await ConfirmAsync(key);
        return existed;
    }

    /// <summary>
    /// The next registry revision. Redis's counter may be behind what this replica has seen (Redis restarted empty):
    /// then it is first moved past it, so that a write after the loss outranks every agent a replica may write back.
    /// </summary>
    private async Task<long> NextRevisionAsync(IDatabase database)
    {
        var revision = await database.StringIncrementAsync(_keys.RegistryRevision);
        var known = _current.Revision;
        if (revision > known)
        {
            return revision;
        }

        await database.ScriptEvaluateAsync(RegistryScripts.RaiseRevision, [_keys.RegistryRevision], [known]);
        return await database.StringIncrementAsync(_keys.RegistryRevision);
    }

    /// <summary>
    /// Waits for the replicas to hold the agent's write and the revision counter's increment (another slot on a
    /// cluster: both are confirmed).
    /// </summary>
    private async Task ConfirmAsync(AgentKey key)
    {
        await _durable.ConfirmAsync(_keys.Agent(key));
        await _durable.ConfirmAsync(_keys.RegistryRevision);
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _redis.Restored += OnConnectionRestored;

        // A first load before the host reports started, so a gateway that can reach Redis is ready at once.
        await TrySyncAsync();
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _redis.Restored -= OnConnectionRestored;
        await base.StopAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _resyncNow.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = _current.IsLoaded && LastSyncedAt is not null ? _options.ResyncInterval : _options.RetryInterval;
            try
            {
                await _resyncNow.WaitAsync(delay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await TrySyncAsync();
        }
    }

    private async Task<bool> TrySyncAsync()
    {
        try
        {
            // Subscribed before the first read, so no change published after the read can be missed. Once subscribed,
            // the multiplexer re-subscribes by itself after every reconnection.
            if (!_subscribed)
            {
                await _redis.SubscribeAsync(_keys.RegistryChanges, OnChangeNoticeAsync);
                _subscribed = true;
            }

            if (!_seeded)
            {
                await SeedAsync();
                _seeded = true;
            }

            await ResyncAsync();
            return true;
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            LastSyncedAt = null;
            _metrics.RedisError(RedisOperations.Registry);
            LogSyncFailed(_logger, _current.IsLoaded, e.Message);
            return false;
        }
    }

    /// <summary>Writes seed agents that Redis does not hold yet; an agent already there is never overwritten.</summary>
    private async Task SeedAsync()
    {
        var database = _redis.Database;
        foreach (var (key, resource) in _seed)
        {
            if (await database.KeyExistsAsync(_keys.Agent(key)))
            {
                continue;
            }

            var revision = await NextRevisionAsync(database);
            var json = JsonSerializer.SerializeToUtf8Bytes(new StoredAgent(revision, resource), RegistryJsonContext.Default.StoredAgent);
            if (await database.StringSetAsync(_keys.Agent(key), json, when: When.NotExists))
            {
                await database.SetAddAsync(_keys.AgentIndex, key.ToString());
                await database.PublishAsync(_keys.RegistryChanges, key.ToString());
                LogSeeded(_logger, key, revision);
            }
        }
    }

    private async Task ResyncAsync()
    {
        lock (_writeLock)
        {
            _changedDuringResync = [];
        }

        try
        {
            var database = _redis.Database;
            var revision = (long)await database.StringGetAsync(_keys.RegistryRevision);
            var known = _current;
            if (known.IsLoaded && revision < known.Revision)
            {
                await RestoreAsync(database, known, revision);
                revision = known.Revision;
            }

            var names = await database.SetMembersAsync(_keys.AgentIndex);
            var reads = names.Select(async name =>
            {
                var key = ParseKey(name.ToString());
                return key is null ? null : ToRegistered(key.Value, await database.StringGetAsync(_keys.Agent(key.Value)));
            });
            var agents = (await Task.WhenAll(reads)).OfType<RegisteredAgent>().ToDictionary(a => a.Key);

            lock (_writeLock)
            {
                foreach (var key in _changedDuringResync!)
                {
                    agents.Remove(key);
                    if (_current.TryGet(key, out var newer))
                    {
                        agents[key] = newer;
                    }
                }

                var previous = _current;
                _current = new RegistrySnapshot(agents.Values, Math.Max(revision, previous.IsLoaded ? previous.Revision : 0));
                LastSyncedAt = _time.GetUtcNow();
                LastFullSyncAt = LastSyncedAt;
                if (!previous.IsLoaded || previous.Revision != _current.Revision || previous.Count != _current.Count)
                {
                    LogLoaded(_logger, _current.Count, _current.Revision);
                }
            }
        }
        finally
        {
            lock (_writeLock)
            {
                _changedDuringResync = null;
            }
        }
    }

    /// <summary>
    /// Redis's revision counter is behind what this replica has seen: it restarted without persistence, was flushed,
    /// or failed over to a replica that missed the last writes. The agents this replica knows are written back (never
    /// over a newer revision another replica may have restored first) and the counter moved past them, so routing
    /// keeps working on every replica and revisions keep rising.
    /// </summary>
    private async Task RestoreAsync(IDatabase database, RegistrySnapshot known, long redisRevision)
    {
        LogRestoring(_logger, redisRevision, known.Revision, known.Count);
        var batch = database.CreateBatch();
        var writes = new List<Task>(known.Count * 2);
        foreach (var agent in known.Agents)
        {
            var json = JsonSerializer.SerializeToUtf8Bytes(new StoredAgent(agent.Revision, agent.Resource), RegistryJsonContext.Default.StoredAgent);
            writes.Add(batch.ScriptEvaluateAsync(RegistryScripts.PutIfNewer, [_keys.Agent(agent.Key)], [agent.Revision, json]));
            writes.Add(batch.SetAddAsync(_keys.AgentIndex, agent.Key.ToString()));
        }

        writes.Add(batch.ScriptEvaluateAsync(RegistryScripts.RaiseRevision, [_keys.RegistryRevision], [known.Revision]));
        batch.Execute();
        await Task.WhenAll(writes);
        _redis.ReportDataLoss();
    }

    private async Task OnChangeNoticeAsync(RedisValue notice)
    {
        var key = ParseKey(notice.ToString());
        if (key is null)
        {
            return;
        }

        try
        {
            var json = await _redis.Database.StringGetAsync(_keys.Agent(key.Value));
            var agent = ToRegistered(key.Value, json);
            if (agent is null)
            {
                ApplyRemoval(key.Value, 0);
            }
            else
            {
                Apply(key.Value, agent);
            }
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            // The periodic resync picks the change up.
            _metrics.RedisError(RedisOperations.Registry);
            LogSyncFailed(_logger, _current.IsLoaded, e.Message);
        }
    }

    private void Apply(AgentKey key, RegisteredAgent agent)
    {
        lock (_writeLock)
        {
            _changedDuringResync?.Add(key);
            if (_current.TryGet(key, out var known) && known.Revision >= agent.Revision)
            {
                return;
            }

            _current = _current.With(key, agent, agent.Revision);
            LogChanged(_logger, key, agent.Revision);
        }
    }

    private void ApplyRemoval(AgentKey key, long revision)
    {
        lock (_writeLock)
        {
            _changedDuringResync?.Add(key);
            if (_current.TryGet(key, out _))
            {
                _current = _current.With(key, null, revision);
                LogRemoved(_logger, key);
            }
        }
    }

    private void OnConnectionRestored(object? sender, EventArgs e)
    {
        // Notices published while this replica was cut off are lost: reload in full now rather than at the next tick.
        // Seed again too: a Redis that restarted without persistence comes back empty, and seeding never overwrites.
        _seeded = false;
        _resyncNow.Set();
    }

    private RegisteredAgent? ToRegistered(AgentKey key, RedisValue json)
    {
        if (json.IsNull)
        {
            return null;
        }

        try
        {
            var stored = JsonSerializer.Deserialize((byte[])json!, RegistryJsonContext.Default.StoredAgent);
            if (stored?.Resource is null || AgentResourceValidator.Validate(stored.Resource).Count > 0)
            {
                LogInvalidAgent(_logger, key, "fails validation");
                return null;
            }

            return new RegisteredAgent(key, stored.Resource, stored.Revision);
        }
        catch (JsonException e)
        {
            LogInvalidAgent(_logger, key, e.Message);
            return null;
        }
    }

    private static AgentKey? ParseKey(string? value) => AgentKey.TryParse(value, out var key) ? key : null;

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Registry loaded from Redis: {AgentCount} agents at revision {Revision}")]
    private static partial void LogLoaded(ILogger logger, int agentCount, long revision);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Agent {AgentKey} changed (revision {Revision})")]
    private static partial void LogChanged(ILogger logger, AgentKey agentKey, long revision);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Agent {AgentKey} removed")]
    private static partial void LogRemoved(ILogger logger, AgentKey agentKey);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Seeded agent {AgentKey} into Redis (revision {Revision})")]
    private static partial void LogSeeded(ILogger logger, AgentKey agentKey, long revision);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Registry sync with Redis failed (serving the last known registry: {HasSnapshot}): {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, bool hasSnapshot, string reason);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning,
        Message = "Redis lost registry writes (its revision is {RedisRevision}, this replica has seen {KnownRevision}): writing back the {AgentCount} agents this replica knows")]
    private static partial void LogRestoring(ILogger logger, long redisRevision, long knownRevision, int agentCount);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Agent {AgentKey} in Redis is ignored: {Reason}")]
    private static partial void LogInvalidAgent(ILogger logger, AgentKey agentKey, string reason);
}
