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
            if (stored?.Resource is null || AgentResourceValidator.Validate(stored.Resource).Count > 0 || stored.HoldClip?.IsValid == false)
            {
                LogInvalidAgent(_logger, key, "fails validation");
                return null;
            }

            return new RegisteredAgent(key, stored.Resource, stored.Revision) { HoldClip = stored.HoldClip };
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

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Registry sync with Redis failed (serving the last known registry: {HasSnapshot}): {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, bool hasSnapshot, string reason);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Error, Message = "Agent {AgentKey} in Redis is ignored: {Reason}")]
    private static partial void LogInvalidAgent(ILogger logger, AgentKey agentKey, string reason);
}
