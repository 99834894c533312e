using System.Collections.Concurrent;
using Gateway.Core;
using Gateway.Registry;

namespace Gateway.Claims;

/// <summary>
/// Claims counted in this process only: the whole story for a gateway with no Redis, and the fallback of a
/// Redis-backed gateway while Redis is unreachable (limits then hold per replica, not across replicas).
/// </summary>
/// <param name="queue">This process's waiting callers, who come before newcomers; none in Redis's fallback, where the
/// queue lives in Redis and a claim on local accounting cannot see it.</param>
public sealed class LocalInstanceClaims(TimeProvider time, LocalWaitingCallers? queue = null) : IInstanceClaims
{
    private readonly ConcurrentDictionary<AgentKey, AgentLoad> _loads = new();

    /// <summary>Claims held here, across all agents.</summary>
    public int Count => _loads.Values.Sum(l => l.Total);

    public ValueTask<ClaimResult> ClaimAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, CancellationToken cancellationToken) =>
        ClaimAsync(agent, sessionId, excludedInstances, hold: null, cancellationToken);

    public ValueTask<ClaimResult> ReserveAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, TimeSpan hold, CancellationToken cancellationToken) =>
        ClaimAsync(agent, sessionId, excludedInstances, hold, cancellationToken);

    /// <param name="hold">Null: a claim for the call's life; otherwise a reservation that lapses after it.</param>
    internal ValueTask<ClaimResult> ClaimAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, TimeSpan? hold, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(excludedInstances);
        var load = _loads.GetOrAdd(agent.Key, static _ => new AgentLoad());
        var now = time.GetUtcNow();
        lock (load)
        {
            load.DropLapsedReservations(now);
            if (load.TakeReservation(sessionId) is { } reserved)
            {
                var instance = excludedInstances.Contains(reserved) ? null : agent.Instances.FirstOrDefault(i => i.Id == reserved);
                if (instance is not null)
                {
                    load.Reserve(sessionId, instance.Id, hold is { } keep ? now + keep : null);
                    return ValueTask.FromResult(Claimed(agent, instance, sessionId));
                }

                load.Add(reserved, -1);
            }

            if (load.Total >= agent.Resource.MaxConcurrentCalls)
            {
                return ValueTask.FromResult(ClaimResult.AgentAtLimit);
            }

            var picked = InstanceSelector.PickLeastLoaded(agent.Instances, excludedInstances, load.Used);
            if (picked is null || !IsTurnOf(agent, sessionId, excludedInstances, load))
            {
                return ValueTask.FromResult(ClaimResult.NoFreeInstance);
            }

            queue?.Served(agent.Key, sessionId);
            load.Add(picked.Id, 1);
            if (hold is { } lapse)
            {
                load.Reserve(sessionId, picked.Id, now + lapse);
            }

            return ValueTask.FromResult(Claimed(agent, picked, sessionId));
        }
    }

    /// <summary>Fewer callers wait ahead of the session than there are free slots (always, with nobody waiting).</summary>
    private bool IsTurnOf(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, AgentLoad load)
    {
        var ahead = queue?.Ahead(agent.Key, sessionId) ?? 0;
        if (ahead == 0)
        {
            return true;
        }

        var free = agent.Instances.Where(i => !excludedInstances.Contains(i.Id)).Sum(i => Math.Max(0, i.Capacity - load.Used(i.Id)));
        return ahead < Math.Min(free, agent.Resource.MaxConcurrentCalls - load.Total);
    }

    private static ClaimResult Claimed(RegisteredAgent agent, AgentInstance instance, string sessionId) =>
        new(ClaimStatus.Claimed, new InstanceClaim(agent.Key, instance, sessionId, IsLocal: true));

    public ValueTask ReleaseAsync(InstanceClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        if (_loads.TryGetValue(claim.Agent, out var load))
        {
            lock (load)
            {
                load.TakeReservation(claim.SessionId);
                load.Add(claim.Instance.Id, -1);
            }
        }

        queue?.SlotFreed(claim.Agent);

        return ValueTask.CompletedTask;
    }

    /// <summary>Local claims live exactly as long as their call: nothing to renew.</summary>
    public ValueTask ReassertAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;

    public bool IsUnsettled => false;

    public ValueTask<IReadOnlyDictionary<AgentKey, long>> CountAsync(IReadOnlyCollection<AgentKey> agents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var now = time.GetUtcNow();
        var counts = new Dictionary<AgentKey, long>(agents.Count);
        foreach (var agent in agents)
        {
            var total = 0;
            if (_loads.TryGetValue(agent, out var load))
            {
                lock (load)
                {
                    // A reservation whose call never came counts until now only.
                    load.DropLapsedReservations(now);
                    total = load.Total;
                }
            }

            counts[agent] = total;
        }

        return ValueTask.FromResult<IReadOnlyDictionary<AgentKey, long>>(counts);
    }

    /// <summary>Per-agent counters; guarded by locking the instance itself.</summary>
    private sealed class AgentLoad
    {
        private readonly Dictionary<string, int> _byInstance = new(StringComparer.Ordinal);

        // Reservations of calls not here yet: session → the instance it counts against, and when it lapses.
        private readonly Dictionary<string, (string InstanceId, DateTimeOffset Until)> _reservations = new(StringComparer.Ordinal);

        /// <summary>Records (or, with no lapse, forgets) that a session's claim is a reservation.</summary>
        public void Reserve(string sessionId, string instanceId, DateTimeOffset? until)
        {
            if (until is { } lapse)
            {
                _reservations[sessionId] = (instanceId, lapse);
            }
        }

        /// <summary>The instance a session's reservation counts against, no longer a reservation; null when it has none.</summary>
        public string? TakeReservation(string sessionId) => _reservations.Remove(sessionId, out var reservation) ? reservation.InstanceId : null;

        public void DropLapsedReservations(DateTimeOffset now)
        {
            foreach (var (sessionId, reservation) in _reservations)
            {
                if (reservation.Until <= now)
                {
                    _reservations.Remove(sessionId);
                    Add(reservation.InstanceId, -1);
                }
            }
        }

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
