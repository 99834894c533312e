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
    public AgentResource(bool enabled = true, int maxConcurrentCalls = 50, int bodyMaxBytes = 4096, IReadOnlyList<AgentInstance>? instances = null)
    {
        Enabled = enabled;
        MaxConcurrentCalls = maxConcurrentCalls;
        BodyMaxBytes = bodyMaxBytes;
        Instances = instances ?? [];
    }

    public bool Enabled { get; init; } = true;

    /// <summary>Calls the agent may hold at once across every gateway replica.</summary>
    public int MaxConcurrentCalls { get; init; } = 50;

    /// <summary>Largest decoded <c>body</c> JSON the agent accepts, in bytes (Pipecat Cloud's 4 KiB by default).</summary>
    public int BodyMaxBytes { get; init; } = 4096;

    public IReadOnlyList<AgentInstance> Instances { get; init; } = [];
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
    public AgentInstance(string id, Uri url, int capacity = 1)
    {
        Id = id;
        Url = url;
        Capacity = capacity;
    }

    public required string Id { get; init; }

    /// <summary>The bot's WebSocket endpoint, <c>ws://</c> or <c>wss://</c>.</summary>
    public required Uri Url { get; init; }

    /// <summary>Concurrent calls the instance takes; 1 models Pipecat Cloud's one session per instance.</summary>
    public int Capacity { get; init; } = 1;
}
