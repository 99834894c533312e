using System.Collections.Concurrent;
using Gateway.Core;

namespace Gateway.Claims;

/// <summary>
/// Waiting callers held in this process: the whole story for a gateway with no Redis. <see cref="LocalInstanceClaims"/>
/// reads it to give a freed slot to the earliest waiting caller.
/// </summary>
public sealed class LocalWaitingCallers(TimeProvider time) : IWaitingCallers
{
    private readonly ConcurrentDictionary<AgentKey, List<string>> _queues = new();
    private readonly QueueNotices _notices = new();

    public ValueTask<QueuePlace> JoinAsync(AgentKey agent, string sessionId, int maxLength, CancellationToken cancellationToken)
    {
        var queue = _queues.GetOrAdd(agent, static _ => []);
        lock (queue)
        {
            if (queue.Contains(sessionId, StringComparer.Ordinal))
            {
                return ValueTask.FromResult(new QueuePlace(QueueJoin.Joined, queue.Count));
            }

            if (queue.Count >= maxLength)
            {
                return ValueTask.FromResult(new QueuePlace(QueueJoin.Full, queue.Count));
            }

            queue.Add(sessionId);
            return ValueTask.FromResult(new QueuePlace(QueueJoin.Joined, queue.Count));
        }
    }

    public ValueTask LeaveAsync(AgentKey agent, string sessionId)
    {
        if (_queues.TryGetValue(agent, out var queue))
        {
            lock (queue)
            {
                queue.Remove(sessionId);
            }

            _notices.Notify(agent);
        }

        return ValueTask.CompletedTask;
    }

    public Task WaitForTurnAsync(AgentKey agent, TimeSpan atMost, CancellationToken cancellationToken) =>
        _notices.WaitAsync(agent, atMost, time, cancellationToken);

    public ValueTask<IReadOnlyDictionary<AgentKey, long>> CountAsync(IReadOnlyCollection<AgentKey> agents, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agents);
        var counts = new Dictionary<AgentKey, long>(agents.Count);
        foreach (var agent in agents)
        {
            var waiting = 0;
            if (_queues.TryGetValue(agent, out var queue))
            {
                lock (queue)
                {
                    waiting = queue.Count;
                }
            }

            counts[agent] = waiting;
        }

        return ValueTask.FromResult<IReadOnlyDictionary<AgentKey, long>>(counts);
    }

    /// <summary>
    /// Callers waiting ahead of the session: its place when it waits, else everyone waiting (a newcomer stands last).
    /// Called under the agent's claim lock, so a claim and the queue it read agree.
    /// </summary>
    internal int Ahead(AgentKey agent, string sessionId)
    {
        if (!_queues.TryGetValue(agent, out var queue))
        {
            return 0;
        }

        lock (queue)
        {
            var place = queue.FindIndex(waiting => string.Equals(waiting, sessionId, StringComparison.Ordinal));
            return place < 0 ? queue.Count : place;
        }
    }

    /// <summary>The session got its claim: it no longer waits.</summary>
    internal void Served(AgentKey agent, string sessionId)
    {
        if (_queues.TryGetValue(agent, out var queue))
        {
            lock (queue)
            {
                queue.Remove(sessionId);
            }
        }
    }

    /// <summary>A claim of the agent was released: its waiting callers ask again.</summary>
    internal void SlotFreed(AgentKey agent) => _notices.Notify(agent);
}
