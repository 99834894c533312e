using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Gateway.Registry;

/// <summary>
/// An agent as stored in the registry and, later, as the admin API takes it. Immutable: the hot path
/// reads it from a snapshot without locks, so a change is always a new instance.
/// </summary>
public sealed record AgentResource
{
    public AgentResource()
    {
    }

    /// <summary>
    /// The JSON constructor: a field the document omits takes its documented default. (Source-generated
    /// serialization would otherwise assign every init-only property, turning an omitted <c>enabled</c> into false.)
    /// </summary>
    [JsonConstructor]
    public AgentResource(
        bool enabled = true,
        int maxConcurrentCalls = 50,
        int bodyMaxBytes = 4096,
        IReadOnlyList<AgentInstance>? instances = null,
        StreamAuthMode streamAuth = StreamAuthMode.None,
        IReadOnlyList<string>? phoneNumbers = null,
        AgentTexml? texml = null,
        IReadOnlyList<string>? allowedActions = null,
        string? connectionId = null,
        BotFailureAction? onBotFailure = null,
        KubernetesSource? kubernetes = null,
        AgentContinuity? continuity = null)
    {
        Enabled = enabled;
        MaxConcurrentCalls = maxConcurrentCalls;
        BodyMaxBytes = bodyMaxBytes;
        Instances = instances ?? [];
        StreamAuth = streamAuth;
        PhoneNumbers = phoneNumbers ?? [];
        Texml = texml ?? new AgentTexml();
        AllowedActions = allowedActions ?? CallControlActions.Defaults;
        ConnectionId = connectionId;
        OnBotFailure = onBotFailure ?? new BotFailureAction();
        Kubernetes = kubernetes;
        Continuity = continuity;
    }

    public bool Enabled { get; init; } = true;

    /// <summary>Calls the agent may hold at once across every gateway replica.</summary>
    public int MaxConcurrentCalls { get; init; } = 50;

    /// <summary>Largest decoded <c>body</c> JSON the agent accepts, in bytes (Pipecat Cloud's 4 KiB by default).</summary>
    public int BodyMaxBytes { get; init; } = 4096;

    public IReadOnlyList<AgentInstance> Instances { get; init; } = [];

    /// <summary>
    /// <c>none</c>: any stream naming the agent is taken (Pipecat Cloud's behaviour). <c>token</c>: a stream must carry
    /// a token this gateway signed for the agent, in the TeXML it served or on a call it dialed.
    /// </summary>
    public StreamAuthMode StreamAuth { get; init; } = StreamAuthMode.None;

    /// <summary>E.164 numbers whose calls <c>POST /texml</c> routes to this agent; a number belongs to one agent.</summary>
    public IReadOnlyList<string> PhoneNumbers { get; init; } = [];

    /// <summary>How the agent's TeXML document streams a call to it.</summary>
    public AgentTexml Texml { get; init; } = new();

    /// <summary>Call Control actions the agent's bots may take on their own calls through the gateway.</summary>
    public IReadOnlyList<string> AllowedActions { get; init; } = CallControlActions.Defaults;

    /// <summary>The Telnyx connection the agent's outbound calls use; null: the organization's default.</summary>
    public string? ConnectionId { get; init; }

    /// <summary>What the gateway does to the phone call when the bot's side drops abnormally.</summary>
    public BotFailureAction OnBotFailure { get; init; } = new();

    /// <summary>
    /// A Kubernetes Service whose ready pods are instances too, beside <see cref="Instances"/>; null: none. Left out of
    /// the JSON when null, so an agent without one is stored as before and replicas of an older version still read it.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public KubernetesSource? Kubernetes { get; init; }

    /// <summary>Moving a call to another bot when its bot drops, with hold audio meanwhile; null (the JSON leaves it out): off.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AgentContinuity? Continuity { get; init; }

    /// <summary>Instances whose heartbeat registration has lapsed: they take no new calls.</summary>
    public HashSet<string> LapsedInstances(DateTimeOffset now) =>
        Instances.Where(i => !i.IsLiveAt(now)).Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
}

/// <summary>
/// When a bot drops a live call abnormally (its connection lost, or closed with an error code), the caller would
/// otherwise hear silence until the stream ends: the gateway can hang the call up or transfer it, with the tenant's
/// Telnyx key.
/// </summary>
public sealed record BotFailureAction
{
    public BotFailureAction()
    {
    }

    [JsonConstructor]
    public BotFailureAction(BotFailureMode action = BotFailureMode.None, string? transferTo = null)
    {
        Action = action;
        TransferTo = transferTo;
    }

    public BotFailureMode Action { get; init; } = BotFailureMode.None;

    /// <summary>E.164 number (or SIP URI) a <c>transfer</c> sends the caller to.</summary>
    public string? TransferTo { get; init; }
}

[JsonConverter(typeof(JsonStringEnumConverter<BotFailureMode>))]
public enum BotFailureMode
{
    [JsonStringEnumMemberName("none")]
    None,

    [JsonStringEnumMemberName("hangup")]
    Hangup,

    [JsonStringEnumMemberName("transfer")]
    Transfer,
}

/// <summary>How a stream proves it was sent by this gateway's TeXML or dial-out.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StreamAuthMode>))]
public enum StreamAuthMode
{
    [JsonStringEnumMemberName("none")]
    None,

    [JsonStringEnumMemberName("token")]
    Token,
}

/// <summary>One bot container (pod) that takes calls for an agent.</summary>
public sealed record AgentInstance
{
    public AgentInstance()
    {
    }

    /// <summary>The JSON constructor; see <see cref="AgentResource(bool, int, int, IReadOnlyList{AgentInstance}?)"/>.</summary>
    [JsonConstructor]
    [SetsRequiredMembers]
    public AgentInstance(string id, Uri url, int capacity = 1, DateTimeOffset? expiresAt = null)
    {
        Id = id;
        Url = url;
        Capacity = capacity;
        ExpiresAt = expiresAt;
    }

    public required string Id { get; init; }

    /// <summary>The bot's WebSocket endpoint, <c>ws://</c> or <c>wss://</c>.</summary>
    public required Uri Url { get; init; }

    /// <summary>Concurrent calls the instance takes; 1 models Pipecat Cloud's one session per instance.</summary>
    public int Capacity { get; init; } = 1;

    /// <summary>
    /// When a heartbeat registration lapses (set from the admin API's <c>ttlSeconds</c>); from then on the instance
    /// gets no new calls until it registers again. Null: registered until removed.
    /// </summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    public bool IsLiveAt(DateTimeOffset now) => ExpiresAt is not { } expiry || expiry > now;
}
