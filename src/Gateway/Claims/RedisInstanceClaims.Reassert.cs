using System.Collections.Concurrent;
using Gateway.Core;
using Gateway.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Claims;

/// <summary>Re-asserting what this replica holds, and undoing what writes without a reply may have left.</summary>
public sealed partial class RedisInstanceClaims
{
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
            [keys.Claims(compensation.Agent), keys.VoidedClaims(compensation.Agent), keys.ClaimCounts(compensation.Agent), keys.ClaimSessions(compensation.Agent)],
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

        var reply = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(
            ClaimScripts.Reassert, [keys.Claims(agent), keys.ClaimCounts(agent), keys.ClaimSessions(agent)], args))!;
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
