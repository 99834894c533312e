using Gateway.Core;
using Gateway.Registry;

namespace Gateway.Claims;

/// <summary>
/// One call's hold on one bot instance. In Redis it is a lease the owning replica renews; <see cref="IsLocal"/>
/// marks a claim counted only in this process (no Redis, or Redis unreachable when the call started).
/// </summary>
public sealed record InstanceClaim(AgentKey Agent, AgentInstance Instance, string SessionId, bool IsLocal);

public enum ClaimStatus
{
    Claimed,

    /// <summary>The agent holds <c>maxConcurrentCalls</c> calls already: 429 before the upgrade.</summary>
    AgentAtLimit,

    /// <summary>Every instance is full (or was excluded): 503 before the upgrade.</summary>
    NoFreeInstance,
}

public readonly record struct ClaimResult(ClaimStatus Status, InstanceClaim? Claim)
{
    public static ClaimResult AgentAtLimit { get; } = new(ClaimStatus.AgentAtLimit, null);

    public static ClaimResult NoFreeInstance { get; } = new(ClaimStatus.NoFreeInstance, null);
}
