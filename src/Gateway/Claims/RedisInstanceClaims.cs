using Gateway.Metrics;
using Gateway.Redis;
using Gateway.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Claims;

/// <summary>Claims shared by every replica through one sorted set per agent in Redis.</summary>
public sealed partial class RedisInstanceClaims(
    IConnectionMultiplexer redis,
    RedisKeys keys,
    IOptions<ClaimOptions> options,
    GatewayMetrics metrics,
    TimeProvider time,
    ILogger<RedisInstanceClaims> logger) : IInstanceClaims
{
    private readonly LocalInstanceClaims _fallback = new(time);

    /// <summary>Claims held on local accounting because Redis was unreachable when their call started.</summary>
    public int LocalFallbackCount => _fallback.Count;

    public ValueTask<ClaimResult> ClaimAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, CancellationToken cancellationToken) =>
        ClaimAsync(agent, sessionId, excludedInstances, hold: null, cancellationToken);

    public ValueTask<ClaimResult> ReserveAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, TimeSpan hold, CancellationToken cancellationToken) =>
        ClaimAsync(agent, sessionId, excludedInstances, hold, cancellationToken);

    private async ValueTask<ClaimResult> ClaimAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, TimeSpan? hold, CancellationToken cancellationToken)
    {
        var lease = hold ?? options.Value.LeaseDuration;
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(excludedInstances);
        if (!redis.IsConnected)
        {
            metrics.RedisError(RedisOperations.Claims);
            LogFallback(logger, sessionId, agent.Key, "not connected");
            return await _fallback.ClaimAsync(agent, sessionId, excludedInstances, hold, cancellationToken);
        }

        var resource = agent.Resource;
        var args = new List<RedisValue>(3 + (2 * resource.Instances.Count))
        {
            sessionId,
            (long)lease.TotalMilliseconds,
            resource.MaxConcurrentCalls,
        };
        foreach (var instance in resource.Instances)
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
            reply = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(ClaimScripts.Claim, [keys.Claims(agent.Key)], [.. args]))!;
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            // Error replies too (READONLY from a master demoted by a failover, LOADING after a restart): a call that
            // Redis cannot claim for is claimed locally rather than failed.
            metrics.RedisError(RedisOperations.Claims);
            LogFallback(logger, sessionId, agent.Key, e.Message);
            return await _fallback.ClaimAsync(agent, sessionId, excludedInstances, hold, cancellationToken);
        }

        switch ((int)reply[0])
        {
            case 0:
                return ClaimResult.AgentAtLimit;
            case 1:
                return ClaimResult.NoFreeInstance;
            default:
                var id = (string)reply[1]!;
                var claimed = resource.Instances.First(i => i.Id == id);
                return new ClaimResult(ClaimStatus.Claimed, new InstanceClaim(agent.Key, claimed, sessionId, IsLocal: false));
        }
    }

    public async ValueTask ReleaseAsync(InstanceClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (claim.IsLocal)
        {
            await _fallback.ReleaseAsync(claim);
            return;
        }

        try
        {
            await redis.GetDatabase().SortedSetRemoveAsync(keys.Claims(claim.Agent), ClaimScripts.Member(claim.Instance.Id, claim.SessionId));
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            metrics.RedisError(RedisOperations.Claims);
            LogReleaseFailed(logger, claim.SessionId, claim.Agent, e.Message);
        }
    }

    public async ValueTask RenewAsync(IReadOnlyCollection<InstanceClaim> claims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var lease = (long)options.Value.LeaseDuration.TotalMilliseconds;
        var database = redis.GetDatabase();
        var renewals = claims
            .Where(c => !c.IsLocal)
            .GroupBy(c => c.Agent)
            .Select(group => database.ScriptEvaluateAsync(
                ClaimScripts.Renew,
                [keys.Claims(group.Key)],
                [lease, .. group.Select(c => (RedisValue)ClaimScripts.Member(c.Instance.Id, c.SessionId))]));
        await Task.WhenAll(renewals);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Warning,
        Message = "Session {SessionId}: Redis unavailable ({Reason}); claiming an instance of {AgentKey} on local accounting")]
    private static partial void LogFallback(ILogger logger, string sessionId, AgentKey agentKey, string reason);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "Session {SessionId}: could not release the claim on {AgentKey} ({Reason}); its lease will expire")]
    private static partial void LogReleaseFailed(ILogger logger, string sessionId, AgentKey agentKey, string reason);
}
