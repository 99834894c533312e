using Gateway.Core;
using Gateway.Registry;

namespace Gateway.Claims;

/// <summary>
/// A claim of one of this replica's live calls, as the replica knows it: the truth that re-asserting writes back to
/// Redis. Immutable; a change (a local claim written to Redis) swaps the whole record.
/// </summary>
/// <param name="Agent">The agent as it was when the call claimed: its capacities decide whether re-asserting finds it overbooked.</param>
/// <param name="InRedis">False while the claim is counted only on local accounting (Redis did not take it).</param>
internal sealed record HeldClaim(InstanceClaim Claim, RegisteredAgent Agent, bool InRedis)
{
    public string Member => ClaimScripts.Member(Claim.Instance.Id, Claim.SessionId);
}

/// <summary>
/// A write whose reply was lost (a timeout, a dropped connection): it may have run, or may still run. Undone once Redis
/// answers: the session's claims other than the one the replica holds are removed, and the attempt is voided.
/// </summary>
/// <param name="Attempt">The claim attempt whose reply was lost, or null for a release that did not go through.</param>
internal sealed record Compensation(AgentKey Agent, string SessionId, string? Attempt);
