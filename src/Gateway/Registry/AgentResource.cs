namespace Gateway.Registry;

/// <summary>
/// An agent as stored in the registry and, later, as the admin API takes it. Immutable: the hot path
/// reads it from a snapshot without locks, so a change is always a new instance.
/// </summary>
public sealed record AgentResource
{
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
    public required string Id { get; init; }

    /// <summary>The bot's WebSocket endpoint, <c>ws://</c> or <c>wss://</c>.</summary>
    public required Uri Url { get; init; }

    /// <summary>Concurrent calls the instance takes; 1 models Pipecat Cloud's one session per instance.</summary>
    public int Capacity { get; init; } = 1;
}
