using System.Collections.Concurrent;
using Gateway.Registry;

namespace Gateway.Claims;

/// <summary>
/// Claims counted in this process only: the whole story for a gateway with no Redis, and the fallback of a
/// Redis-backed gateway while Redis is unreachable (limits then hold per replica, not across replicas).
/// </summary>
public sealed class LocalInstanceClaims : IInstanceClaims
{
    private readonly ConcurrentDictionary<AgentKey, AgentLoad> _loads = new();

    /// <summary>Claims held here, across all agents.</summary>
    public int Count => _loads.Values.Sum(l => l.Total);

    public ValueTask<ClaimResult> ClaimAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var load = _loads.GetOrAdd(agent.Key, static _ => new AgentLoad());
        lock (load)
        {
            if (load.Total >= agent.Resource.MaxConcurrentCalls)
            {
                return ValueTask.FromResult(ClaimResult.AgentAtLimit);
            }

            var instance = InstanceSelector.PickLeastLoaded(agent.Resource.Instances, excludedInstances, load.Used);
            if (instance is null)
            {
                return ValueTask.FromResult(ClaimResult.NoFreeInstance);
            }

            load.Add(instance.Id, 1);
            return ValueTask.FromResult(new ClaimResult(ClaimStatus.Claimed, new InstanceClaim(agent.Key, instance, sessionId, IsLocal: true)));
        }
    }

    public ValueTask ReleaseAsync(InstanceClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (_loads.TryGetValue(claim.Agent, out var load))
        {
            lock (load)
            {
                load.Add(claim.Instance.Id, -1);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>Local claims live exactly as long as their call: nothing to renew.</summary>
    public ValueTask RenewAsync(IReadOnlyCollection<InstanceClaim> claims, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    /// <summary>Per-agent counters; guarded by locking the instance itself.</summary>
    private sealed class AgentLoad
    {
        private readonly Dictionary<string, int> _byInstance = new(StringComparer.Ordinal);

        public int Total { get; private set; }

        public int Used(string instanceId) => _byInstance.GetValueOrDefault(instanceId);

        public void Add(string instanceId, int delta)
        {
            var count = _byInstance.GetValueOrDefault(instanceId) + delta;
            if (count < 0)
            {
                return;
            }

            Total += delta;
            if (count == 0)
            {
                _byInstance.Remove(instanceId);
            }
            else
            {
                _byInstance[instanceId] = count;
            }
        }
    }
}
