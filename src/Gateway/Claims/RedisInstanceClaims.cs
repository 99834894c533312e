using System.Collections.Concurrent;
using Gateway.Core;
using Gateway.Redis;
using Gateway.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Claims;

/// <summary>
/// Claims shared by every replica through one sorted set per agent in Redis. The replica keeps its own account of the
/// claims its live calls hold and makes Redis match it (<see cref="ReassertAsync"/>): a Redis that lost them gets them
/// back, claims taken on local accounting while Redis was away are written to it, and what a write whose reply was
/// lost may have left behind is removed.
/// </summary>
public sealed partial class RedisInstanceClaims(
    RedisConnection redis,
    RedisKeys keys,
    IOptions<ClaimOptions> options,
    IStoreTelemetry metrics,
    TimeProvider time,
    ILogger<RedisInstanceClaims> logger) : IInstanceClaims
{
    private readonly LocalInstanceClaims _fallback = new(time);
    private readonly ConcurrentDictionary<string, HeldClaim> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Compensation, byte> _unsettled = new();
    private readonly ConcurrentDictionary<AgentKey, byte> _overbooked = new();
    private int _heldLocally;

    /// <summary>Claims (and reservations) counted on local accounting because Redis did not take them.</summary>
    public int LocalFallbackCount => _fallback.Count;

    /// <inheritdoc />
    public bool IsUnsettled => Volatile.Read(ref _heldLocally) > 0 || !_unsettled.IsEmpty;

    private long LeaseMilliseconds => (long)options.Value.LeaseDuration.TotalMilliseconds;

    public ValueTask<ClaimResult> ClaimAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, CancellationToken cancellationToken) =>
        ClaimAsync(agent, sessionId, excludedInstances, hold: null, cancellationToken);

    public ValueTask<ClaimResult> ReserveAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, TimeSpan hold, CancellationToken cancellationToken) =>
        ClaimAsync(agent, sessionId, excludedInstances, hold, cancellationToken);

    private async ValueTask<ClaimResult> ClaimAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, TimeSpan? hold, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(excludedInstances);
        if (!redis.IsConnected)
        {
            return await FallBackAsync(agent, sessionId, excludedInstances, hold, "not connected", cancellationToken);
        }

        var attempt = Guid.NewGuid().ToString("N");
        var instances = agent.Instances;
        var args = new List<RedisValue>(4 + (2 * instances.Count))
        {
            sessionId,
            (long)(hold ?? options.Value.LeaseDuration).TotalMilliseconds,
            agent.Resource.MaxConcurrentCalls,
            attempt,
        };
        foreach (var instance in instances)
        {
            if (!excludedInstances.Contains(instance.Id))
            {
                args.Add(instance.Id);
                args.Add(instance.Capacity);
            }
        }

        RedisResult[] reply;
        try
        {
            reply = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(ClaimScripts.Claim, [keys.Claims(agent.Key), keys.VoidedClaims(agent.Key)], [.. args]))!;
        }
        catch (RedisServerException e)
        {
            // An error reply (READONLY from a demoted master, LOADING after a restart): the script did not run.
            return await FallBackAsync(agent, sessionId, excludedInstances, hold, e.Message, cancellationToken);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            // No reply: the script may have run, or may run yet (a stalled server runs what it queued when it wakes).
            _unsettled.TryAdd(new Compensation(agent.Key, sessionId, attempt), 0);
            return await FallBackAsync(agent, sessionId, excludedInstances, hold, e.Message, cancellationToken);
        }

        switch ((int)reply[0])
        {
            case 0:
                return ClaimResult.AgentAtLimit;
            case 1:
                return ClaimResult.NoFreeInstance;
            case 2:
                var id = (string)reply[1]!;
                var claim = new InstanceClaim(agent.Key, instances.First(i => i.Id == id), sessionId, IsLocal: false);
                if (hold is null)
                {
                    Hold(new HeldClaim(claim, agent, InRedis: true));
                }

                return new ClaimResult(ClaimStatus.Claimed, claim);
            default:
                throw new InvalidOperationException($"The claim script answered {(int)reply[0]} to a fresh attempt.");
        }
    }

    /// <summary>Claims on local accounting: a call that Redis cannot claim for is claimed here rather than failed.</summary>
    private async ValueTask<ClaimResult> FallBackAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, TimeSpan? hold, string reason, CancellationToken cancellationToken)
    {
        metrics.RedisError(RedisOperations.Claims);
        LogFallback(logger, sessionId, agent.Key, reason);
        var result = await _fallback.ClaimAsync(agent, sessionId, excludedInstances, hold, cancellationToken);
        if (result.Claim is { } claim && hold is null)
        {
            Hold(new HeldClaim(claim, agent, InRedis: false));
        }

        return result;
    }

    private void Hold(HeldClaim held)
    {
        if (!held.InRedis)
        {
            Interlocked.Increment(ref _heldLocally);
        }

        _held[held.Claim.SessionId] = held;
    }

    public async ValueTask ReleaseAsync(InstanceClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var inRedis = !claim.IsLocal;
        if (_held.TryGetValue(claim.SessionId, out var held) && held.Claim == claim && _held.TryRemove(new(claim.SessionId, held)))
        {
            inRedis = held.InRedis;
            if (!held.InRedis)
            {
                Interlocked.Decrement(ref _heldLocally);

                // A re-assert that included it may have reached Redis without its reply reaching here.
                _unsettled.TryAdd(new Compensation(claim.Agent, claim.SessionId, Attempt: null), 0);
            }
        }

        if (!inRedis)
        {
            await _fallback.ReleaseAsync(claim);
            return;
        }

        try
        {
            await redis.Database.SortedSetRemoveAsync(keys.Claims(claim.Agent), ClaimScripts.Member(claim.Instance.Id, claim.SessionId));
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            metrics.RedisError(RedisOperations.Claims);
            LogReleaseFailed(logger, claim.SessionId, claim.Agent, e.Message);
            _unsettled.TryAdd(new Compensation(claim.Agent, claim.SessionId, Attempt: null), 0);
        }
    }

    /// <summary>
    /// Settles what lost replies left open, then writes every claim this replica holds with a fresh lease, creating
    /// the missing ones. Throws the first Redis error after trying every agent.
    /// </summary>
    public async ValueTask ReassertAsync(CancellationToken cancellationToken)
    {
        var failures = new List<Exception>();
        foreach (var compensation in _unsettled.Keys)
        {
            try
            {
                await CompensateAsync(compensation);
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException)
            {
                failures.Add(e);
            }
        }

        var byAgent = _held.Values.GroupBy(held => held.Claim.Agent);
        foreach (var group in byAgent)
        {
            try
            {
                await ReassertAsync(group.Key, [.. group]);
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException)
            {
                failures.Add(e);
            }
        }

        if (failures.Count > 0)
        {
            metrics.RedisError(RedisOperations.Claims);
            throw failures[0];
        }
    }

    private async Task CompensateAsync(Compensation compensation)
    {
        var kept = _held.TryGetValue(compensation.SessionId, out var held) && held.InRedis ? held.Member : string.Empty;
        var removed = (long)await redis.Database.ScriptEvaluateAsync(
            ClaimScripts.Compensate,
            [keys.Claims(compensation.Agent), keys.VoidedClaims(compensation.Agent)],
            [compensation.SessionId, kept, compensation.Attempt ?? string.Empty, LeaseMilliseconds]);
        _unsettled.TryRemove(compensation, out _);
        if (removed > 0)
        {
            metrics.ClaimsCompensated(removed);
            LogCompensated(logger, compensation.SessionId, compensation.Agent, removed);
        }
    }

    private async Task ReassertAsync(AgentKey agent, HeldClaim[] held)
    {
        var args = new RedisValue[1 + (3 * held.Length)];
        args[0] = LeaseMilliseconds;
        for (var i = 0; i < held.Length; i++)
        {
            args[1 + (3 * i)] = held[i].Member;
            args[2 + (3 * i)] = held[i].Claim.Instance.Id;
            args[3 + (3 * i)] = held[i].Claim.Instance.Capacity;
        }

        var reply = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(ClaimScripts.Reassert, [keys.Claims(agent)], args))!;
        var created = (long)reply[0];
        var written = 0;
        foreach (var claim in held)
        {
            if (!claim.InRedis && _held.TryUpdate(claim.Claim.SessionId, claim with { InRedis = true }, claim))
            {
                // Redis counts it now: local accounting lets it go.
                Interlocked.Decrement(ref _heldLocally);
                await _fallback.ReleaseAsync(claim.Claim);
                written++;
            }
            else if (!_held.TryGetValue(claim.Claim.SessionId, out var now) || now.Claim != claim.Claim)
            {
                // Released while this ran: the release may have reached Redis before the re-assert did.
                _unsettled.TryAdd(new Compensation(agent, claim.Claim.SessionId, Attempt: null), 0);
            }
        }

        if (created - written > 0)
        {
            metrics.ClaimsRestored(created - written);
            LogRestored(logger, agent, created - written);
        }

        if (written > 0)
        {
            LogWritten(logger, agent, written);
        }

        CheckCapacity(agent, held[^1].Agent, (long)reply[1], [.. reply.Skip(2).Select(id => (string)id!)]);
    }

    /// <summary>
    /// One pipelined <c>ZCOUNT key (now +inf</c> per agent: claims whose lease has not run out. Expired members stay in
    /// a set until the next claim script sweeps them, so the lease, not the set's size, says what is live. The lease
    /// expiry is written on Redis's clock and compared here with this replica's, as the session index is; clocks kept
    /// by NTP differ by far less than a lease.
    /// </summary>
    public async ValueTask<IReadOnlyDictionary<AgentKey, long>> CountAsync(IReadOnlyCollection<AgentKey> agents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var batch = redis.Database.CreateBatch();
        var asked = agents.ToArray();
        var pending = asked.Select(agent => batch.SortedSetLengthAsync(keys.Claims(agent), now, double.PositiveInfinity, Exclude.Start)).ToArray();
        batch.Execute();
        var counts = await Task.WhenAll(pending).WaitAsync(cancellationToken);
        var byAgent = new Dictionary<AgentKey, long>(asked.Length);
        for (var i = 0; i < asked.Length; i++)
        {
            byAgent[asked[i]] = counts[i];
        }

        return byAgent;
    }

    /// <summary>Replicas that admitted calls on local accounting at once may together exceed a limit: said once per episode.</summary>
    private void CheckCapacity(AgentKey agent, RegisteredAgent registered, long total, string[] overInstances)
    {
        var agentOver = total > registered.Resource.MaxConcurrentCalls;
        if (!agentOver && overInstances.Length == 0)
        {
            _overbooked.TryRemove(agent, out _);
            return;
        }

        if (_overbooked.TryAdd(agent, 0))
        {
            metrics.ClaimsOverbooked(agent);
            LogOverbooked(logger, agent, total, registered.Resource.MaxConcurrentCalls, string.Join(", ", overInstances));
        }
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Session {SessionId}: Redis did not take the claim ({Reason}); claiming an instance of {AgentKey} on local accounting")]
    private static partial void LogFallback(ILogger logger, string sessionId, AgentKey agentKey, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "Session {SessionId}: could not release the claim on {AgentKey} ({Reason}); it is removed once Redis answers")]
    private static partial void LogReleaseFailed(ILogger logger, string sessionId, AgentKey agentKey, string reason);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning,
        Message = "Redis had lost {Count} claims of live calls of {AgentKey}; written back")]
    private static partial void LogRestored(ILogger logger, AgentKey agentKey, long count);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information,
        Message = "{Count} claims of {AgentKey} taken on local accounting are now in Redis")]
    private static partial void LogWritten(ILogger logger, AgentKey agentKey, int count);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning,
        Message = "Session {SessionId}: removed {Count} claims on {AgentKey} that a write without a reply had left in Redis")]
    private static partial void LogCompensated(ILogger logger, string sessionId, AgentKey agentKey, long count);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Error,
        Message = "{AgentKey} is overbooked: {Calls} claims against maxConcurrentCalls {MaxCalls}, instances over capacity: [{Instances}]. Replicas admitted calls on local accounting while Redis was away; live calls keep going, new calls wait for room")]
    private static partial void LogOverbooked(ILogger logger, AgentKey agentKey, long calls, int maxCalls, string instances);
}
