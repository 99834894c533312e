using Gateway.Registry;

namespace Gateway.Claims;

/// <summary>
/// Picks the least-loaded instance of an agent with free capacity and claims it, so that all gateway replicas
/// together never exceed an instance's capacity or the agent's <c>maxConcurrentCalls</c>.
/// </summary>
public interface IInstanceClaims
{
    /// <param name="excludedInstances">Instances already tried for this call (they refused the connection).</param>
    ValueTask<ClaimResult> ClaimAsync(RegisteredAgent agent, string sessionId, IReadOnlySet<string> excludedInstances, CancellationToken cancellationToken);

    /// <summary>Gives the claim back. Never throws: a claim that cannot be released expires with its lease.</summary>
    ValueTask ReleaseAsync(InstanceClaim claim);

    /// <summary>Extends the leases of claims this replica still holds.</summary>
    ValueTask RenewAsync(IReadOnlyCollection<InstanceClaim> claims, CancellationToken cancellationToken);
}
