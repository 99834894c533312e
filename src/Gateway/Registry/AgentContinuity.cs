using System.Text.Json.Serialization;

namespace Gateway.Registry;

/// <summary>
/// What the gateway does so a caller never hears a dead line: move the call to another bot when its bot drops, and hold
/// a caller who finds every bot busy until one frees, playing hold audio meanwhile. Off unless the agent names it.
/// Immutable, like the resource.
/// </summary>
public sealed record AgentContinuity
{
    public AgentContinuity()
    {
    }

    /// <summary>The JSON constructor; an omitted field takes its default (see <see cref="AgentResource"/>).</summary>
    [JsonConstructor]
    public AgentContinuity(ReconnectPolicy? reconnect = null, QueuePolicy? queue = null, string hold = HoldAudioKind.Silence)
    {
        Reconnect = reconnect;
        Queue = queue;
        Hold = hold;
    }

    /// <summary>When and how often a call whose bot dropped is moved to another bot; null: never.</summary>
    public ReconnectPolicy? Reconnect { get; init; }

    /// <summary>How callers wait when no bot is free; null: they are refused at once, as without continuity.</summary>
    public QueuePolicy? Queue { get; init; }

    /// <summary>What the caller hears while the gateway connects a bot: <c>silence</c>, <c>tone</c> or <c>clip</c> (the agent's uploaded hold clip).</summary>
    public string Hold { get; init; } = HoldAudioKind.Silence;
}

/// <summary>Moving a call to another bot when its bot drops mid-call.</summary>
public sealed record ReconnectPolicy
{
    /// <summary>Close codes that mean the bot went away rather than ended the call (going away, error, restart, try later, bad gateway).</summary>
    public static readonly IReadOnlyList<int> DefaultCloseCodes = [1001, 1011, 1012, 1013, 1014];

    public ReconnectPolicy()
    {
    }

    /// <summary>The JSON constructor; an omitted field takes its default (see <see cref="AgentResource"/>).</summary>
    [JsonConstructor]
    public ReconnectPolicy(int attempts = 2, int withinSeconds = 5, IReadOnlyList<int>? on = null)
    {
        Attempts = attempts;
        WithinSeconds = withinSeconds;
        On = on ?? DefaultCloseCodes;
    }

    /// <summary>Reconnects one call may take; then it ends as it would without them (<c>onBotFailure</c>, 1011 to Telnyx).</summary>
    public int Attempts { get; init; } = 2;

    /// <summary>From the first drop, how long the gateway keeps trying to reconnect the call.</summary>
    public int WithinSeconds { get; init; } = 5;

    /// <summary>A bot's close codes that trigger a reconnect; a bot connection lost without a close always does.</summary>
    public IReadOnlyList<int> On { get; init; } = DefaultCloseCodes;
}

/// <summary>Holding callers who find every bot of the agent busy, in arrival order across every replica.</summary>
public sealed record QueuePolicy
{
    public QueuePolicy()
    {
    }

    /// <summary>The JSON constructor; an omitted field takes its default (see <see cref="AgentResource"/>).</summary>
    [JsonConstructor]
    public QueuePolicy(int maxWaitSeconds = 30, int maxLength = 50)
    {
        MaxWaitSeconds = maxWaitSeconds;
        MaxLength = maxLength;
    }

    /// <summary>How long a caller waits for a bot before the stream is closed with 1013 (TeXML's fallback runs); 0: no queue.</summary>
    public int MaxWaitSeconds { get; init; } = 30;

    /// <summary>Callers that may wait at once, across every replica; the next is refused before its 101, as without a queue.</summary>
    public int MaxLength { get; init; } = 50;

    /// <summary>Whether callers wait at all.</summary>
    [JsonIgnore]
    public bool IsOn => MaxWaitSeconds > 0;
}

/// <summary>The hold audio an agent may choose.</summary>
public static class HoldAudioKind
{
    public const string Silence = "silence";

    public const string Tone = "tone";

    /// <summary>The agent's uploaded hold clip (<see cref="HoldClip"/>), looped.</summary>
    public const string Clip = "clip";

    public static readonly IReadOnlyList<string> All = [Silence, Tone, Clip];
}
