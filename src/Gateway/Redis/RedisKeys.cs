using Gateway.Core;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>Every Redis key and channel the gateway uses, in one place.</summary>
public sealed class RedisKeys(string prefix)
{
    /// <summary>The set of every agent key, so a resync can list them without SCAN.</summary>
    public RedisKey AgentIndex { get; } = prefix + "agents";

    /// <summary>Counter whose every increment is one registry change.</summary>
    public RedisKey RegistryRevision { get; } = prefix + "registry:revision";

    /// <summary>Change notices: the payload is the changed agent key, <c>{org}/{agent}</c>.</summary>
    public RedisChannel RegistryChanges { get; } = RedisChannel.Literal(prefix + "registry:changes");

    /// <summary>The agent's JSON document.</summary>
    public RedisKey Agent(AgentKey key) => $"{prefix}agent:{{{key}}}";

    /// <summary>
    /// The agent's hold clip, its WAV file as uploaded; its document names it by SHA-256. In the agent's hash slot, so
    /// one script writes or removes both on a cluster too.
    /// </summary>
    public RedisKey HoldAudio(AgentKey key) => $"{prefix}hold-audio:{{{key}}}";

    /// <summary>Sorted set of the agent's instance claims: member <c>{instance}|{session}</c>, score the lease's expiry.</summary>
    public RedisKey Claims(AgentKey key) => $"{prefix}claims:{{{key}}}";

    /// <summary>Hash beside the claim set, kept in step by the claim scripts: instance id → its live claims.</summary>
    public RedisKey ClaimCounts(AgentKey key) => $"{prefix}claims-count:{{{key}}}";

    /// <summary>Hash beside the claim set, kept in step by the claim scripts: session id → its claim's member.</summary>
    public RedisKey ClaimSessions(AgentKey key) => $"{prefix}claims-session:{{{key}}}";

    /// <summary>
    /// Sorted set of the agent's claim attempts whose reply was lost and that their replica has compensated, scored by
    /// when the entry may go: the claim script claims nothing for them should it run late.
    /// </summary>
    public RedisKey VoidedClaims(AgentKey key) => $"{prefix}claims-void:{{{key}}}";

    /// <summary>Sorted set of the callers waiting for a bot of the agent: member the session id, score its ticket (arrival order).</summary>
    public RedisKey Queue(AgentKey key) => $"{prefix}queue:{{{key}}}";

    /// <summary>Sorted set of the same callers scored by when their place lapses unless their replica renews it.</summary>
    public RedisKey QueuePlaces(AgentKey key) => $"{prefix}queue-places:{{{key}}}";

    /// <summary>Counter that numbers the agent's queue tickets, so arrival order is Redis's, not the replicas' clocks.</summary>
    public RedisKey QueueTickets(AgentKey key) => $"{prefix}queue-tickets:{{{key}}}";

    /// <summary>Notices that an agent's queue may have moved (a claim released, a caller left): the payload is <c>{org}/{agent}</c>.</summary>
    public RedisChannel QueueChanges { get; } = RedisChannel.Literal(prefix + "queue:changes");

    /// <summary>A live call's session record.</summary>
    public RedisKey Session(string sessionId) => $"{prefix}session:{sessionId}";

    /// <summary>Sorted set of an organization's live session ids, scored by the lease's expiry.</summary>
    public RedisKey OrgSessions(string org) => $"{prefix}sessions:{{{org}}}";

    /// <summary>An organization's Telnyx settings, secrets encrypted (JSON).</summary>
    public RedisKey TenantTelnyx(string org) => $"{prefix}tenant:{{{org}}}:telnyx";

    /// <summary>The set of every organization that has Telnyx settings.</summary>
    public RedisKey Tenants { get; } = prefix + "tenants";

    /// <summary>A single-use stream token already presented, kept until the token would have expired anyway.</summary>
    public RedisKey SpentStreamToken(string tokenId) => $"{prefix}stream-token:{tokenId}";

    /// <summary>The Data Protection key ring (encrypts tenant secrets and signs stream tokens), shared by replicas.</summary>
    public RedisKey DataProtectionKeys { get; } = prefix + "data-protection:keys";
}
