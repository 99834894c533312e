using Gateway.Core;

namespace Gateway.Claims;

/// <summary>
/// Callers waiting for a bot of an agent that had no free slot, in arrival order across every replica that shares the
/// store. A slot that frees goes to the earliest waiting caller: while callers wait, <see cref="IInstanceClaims"/>
/// claims for a session only when fewer callers wait ahead of it than there are free slots, newcomers included (a
/// newcomer stands behind every waiting caller).
/// </summary>
public interface IWaitingCallers
{
    /// <summary>
    /// Puts the call at the end of its agent's queue (a call already in it keeps its place), unless
    /// <paramref name="maxLength"/> callers wait already.
    /// </summary>
    ValueTask<QueuePlace> JoinAsync(AgentKey agent, string sessionId, int maxLength, CancellationToken cancellationToken);

    /// <summary>Takes the call out of its agent's queue (it hung up, gave up, or its replica drains). Never throws.</summary>
    ValueTask LeaveAsync(AgentKey agent, string sessionId);

    /// <summary>
    /// Completes when the agent's queue may have moved (a claim of the agent released, a caller left it, on any replica),
    /// or after <paramref name="atMost"/>: the caller then asks for a claim again, which also keeps its place alive.
    /// </summary>
    Task WaitForTurnAsync(AgentKey agent, TimeSpan atMost, CancellationToken cancellationToken);

    /// <summary>The callers waiting for each agent now, across every replica that shares the store.</summary>
    /// <returns>Every agent asked about, 0 when none wait for it.</returns>
    ValueTask<IReadOnlyDictionary<AgentKey, long>> CountAsync(IReadOnlyCollection<AgentKey> agents, CancellationToken cancellationToken);
}

/// <summary>How joining a queue went.</summary>
public enum QueueJoin
{
    /// <summary>The call waits in the queue.</summary>
    Joined,

    /// <summary><c>maxLength</c> callers wait already: the call is refused as it would be without a queue.</summary>
    Full,

    /// <summary>The store that holds the queue did not answer: the call is refused as it would be without a queue.</summary>
    Unavailable,
}

/// <param name="Waiting">Callers in the queue after the join (this one included when it joined).</param>
public readonly record struct QueuePlace(QueueJoin Result, long Waiting);
