using Gateway.Core;
using Gateway.Registry;

namespace Gateway.Claims;

/// <summary>
/// Picks the least-loaded instance of an agent with free capacity and claims it, so that all gateway replicas
/// together never exceed an instance's capacity or the agent's <c>maxConcurrentCalls</c>.
/// </summary>
public interface IInstanceClaims
{
    /// <summary>
    /// Claims an instance for the call's whole life (kept in Redis by <see cref="ReassertAsync"/>). A session that already holds
    /// a reservation on an instance still offered keeps that instance.
    /// </summary>
    /// <param name="excludedInstances">Instances already tried for this call (they refused the connection), or lapsed.</param>
    ValueTask<ClaimResult> ClaimAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, CancellationToken cancellationToken);

    /// <summary>
    /// Claims an instance for a call that is not here yet (a dialed-out call, ringing): it counts against every limit
    /// like any claim, and lapses after <paramref name="hold"/> unless the call's stream claims it first with the same
    /// session id.
    /// </summary>
    ValueTask<ClaimResult> ReserveAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, TimeSpan hold, CancellationToken cancellationToken);

    /// <summary>Gives the claim back. Never throws: a claim that cannot be released expires with its lease.</summary>
    ValueTask ReleaseAsync(InstanceClaim claim);

    /// <summary>
    /// Makes the shared store hold exactly the claims of this replica's live calls, each with a fresh lease: extends
    /// them, creates the ones it lost, writes the ones taken on local accounting, and removes what writes whose reply was
    /// lost may have left behind.
    /// </summary>
    ValueTask ReassertAsync(CancellationToken cancellationToken);

    /// <summary>
    /// True while the shared store owes this replica an answer: claims held only on local accounting, or writes whose
    /// reply was lost. <see cref="ReassertAsync"/> is then due soon, not at the next renewal.
    /// </summary>
    bool IsUnsettled { get; }

    /// <summary>
    /// The claims (reservations included) each agent holds now, across every replica that shares the store: what the
    /// autoscaler gauges export. Local accounting answers for this replica alone.
    /// </summary>
    /// <returns>Every agent asked about, 0 when it holds none.</returns>
    ValueTask<IReadOnlyDictionary<AgentKey, long>> CountAsync(IReadOnlyCollection<AgentKey> agents, CancellationToken cancellationToken);
}
