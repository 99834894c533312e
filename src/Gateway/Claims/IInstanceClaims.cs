using Gateway.Registry;

namespace Gateway.Claims;

/// <summary>
/// Picks the least-loaded instance of an agent with free capacity and claims it, so that all gateway replicas
/// together never exceed an instance's capacity or the agent's <c>maxConcurrentCalls</c>.
/// </summary>
public interface IInstanceClaims
{
    /// <summary>
    /// Claims an instance for the call's whole life (renewed by <see cref="RenewAsync"/>). A session that already holds
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

    /// <summary>Extends the leases of claims this replica still holds.</summary>
    ValueTask RenewAsync(IReadOnlyCollection<InstanceClaim> claims, CancellationToken cancellationToken);
}
