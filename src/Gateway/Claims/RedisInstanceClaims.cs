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
    IOptions<LeaseOptions> options,
    IOptions<CallQueueOptions> queueOptions,
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
        var args = new List<RedisValue>(5 + (2 * instances.Count))
        {
            sessionId,
            (long)(hold ?? options.Value.LeaseDuration).TotalMilliseconds,
            agent.Resource.MaxConcurrentCalls,
            attempt,
            (long)queueOptions.Value.PlaceLease.TotalMilliseconds,
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
            reply = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(
                ClaimScripts.Claim,
                [keys.Claims(agent.Key), keys.VoidedClaims(agent.Key), keys.Queue(agent.Key), keys.QueuePlaces(agent.Key), keys.ClaimCounts(agent.Key), keys.ClaimSessions(agent.Key)],
                [.. args]))!;
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
            case 1 or 4:
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
            await redis.Database.ScriptEvaluateAsync(
                ClaimScripts.Release,
                [keys.Claims(claim.Agent), keys.Queue(claim.Agent), keys.ClaimCounts(claim.Agent), keys.ClaimSessions(claim.Agent)],
                [ClaimScripts.Member(claim.Instance.Id, claim.SessionId), keys.QueueChanges.ToString(), claim.Agent.ToString()]);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            metrics.RedisError(RedisOperations.Claims);
            LogReleaseFailed(logger, claim.SessionId, claim.Agent, e.Message);
            _unsettled.TryAdd(new Compensation(claim.Agent, claim.SessionId, Attempt: null), 0);
        }
    }

    /// <summary>Claims whose lease has not run out, per agent (see <see cref="LeasedCounts"/>).</summary>
    public ValueTask<IReadOnlyDictionary<AgentKey, long>> CountAsync(IReadOnlyCollection<AgentKey> agents, CancellationToken cancellationToken) =>
        LeasedCounts.OfAsync(redis, agents, keys.Claims, time.GetUtcNow(), cancellationToken);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Session {SessionId}: Redis did not take the claim ({Reason}); claiming an instance of {AgentKey} on local accounting")]
    private static partial void LogFallback(ILogger logger, string sessionId, AgentKey agentKey, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "Session {SessionId}: could not release the claim on {AgentKey} ({Reason}); it is removed once Redis answers")]
    private static partial void LogReleaseFailed(ILogger logger, string sessionId, AgentKey agentKey, string reason);
}
