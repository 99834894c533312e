using System.Collections;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Sessions;

namespace Gateway.Calls;

/// <summary>
/// One Telnyx stream this replica handles, from its upgrade request to its end: who it is (its session id and, once
/// routing finds it, its agent), what it holds (its instance claim, its session record), and the drain's signal. What
/// lease renewals, the metrics scrape, call control and the drain read of a call, from their own threads.
/// </summary>
/// <remarks>
/// Its handler moves it on one step at a time, each step publishing one immutable <see cref="CallState"/>: a reader
/// sees a whole step or the one before, never half of one. It is also the call's logging scope: every line logged
/// while the call is handled carries <c>SessionId</c> and, once the agent is known, <c>Org</c> and <c>Agent</c> (only
/// names the registry holds, never what the caller sent, which also keeps the metrics' labels bounded).
/// </remarks>
public sealed class LiveCall : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile CallState _state;

    public LiveCall(string sessionId, long upgradeReceived)
    {
        _state = new CallState(sessionId, Agent: null, Claim: null, Session: null);
        UpgradeReceived = upgradeReceived;
    }

    /// <summary>The call's session id: a fresh one, or the one its dial-out answered with.</summary>
    public string SessionId => _state.SessionId;

    /// <summary>The call's agent, once routing found it in the registry (even when it then refused the call).</summary>
    public AgentKey? Agent => _state.Agent;

    /// <summary>Set once an instance is claimed and its bot connected.</summary>
    public InstanceClaim? Claim => _state.Claim;

    /// <summary>Set once the start frame reached the bot.</summary>
    public CallSession? Session => _state.Session;

    /// <summary><see cref="TimeProvider.GetTimestamp"/> when the upgrade request arrived: the start of the setup time.</summary>
    public long UpgradeReceived { get; }

    /// <summary>Completes when the drain window ends with the call still live: each phase of the call races it.</summary>
    public Task Drained => _drained.Task;

    public bool IsDrained => _drained.Task.IsCompleted;

    public int Count => _state.Agent is null ? 1 : 3;

    public KeyValuePair<string, object?> this[int index]
    {
        get
        {
            var state = _state;
            return index switch
            {
                0 => new("SessionId", state.SessionId),
                1 => new("Org", state.Agent?.Org),
                2 => new("Agent", state.Agent?.Agent),
                _ => throw new ArgumentOutOfRangeException(nameof(index)),
            };
        }
    }

    /// <summary>The drain window is over: the call ends in whatever phase it is.</summary>
    public void Drain() => _drained.TrySetResult();

    /// <summary>Routing found the call's agent; a dial-out's stream takes the session id its dial-out answered with.</summary>
    internal void Routed(AgentKey agent, string? sessionId = null) =>
        _state = _state with { Agent = agent, SessionId = sessionId ?? _state.SessionId };

    /// <summary>The bot is connected on this claim.</summary>
    internal void Admitted(InstanceClaim claim) => _state = _state with { Claim = claim };

    /// <summary>The start frame reached the bot and frames flow.</summary>
    internal void Relaying(CallSession session) => _state = _state with { Session = session };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        var count = Count;
        for (var i = 0; i < count; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>What text formatters print for the scope.</summary>
    public override string ToString() => _state.Agent is { } agent ? $"Session {SessionId} ({agent})" : $"Session {SessionId}";

    private sealed record CallState(string SessionId, AgentKey? Agent, InstanceClaim? Claim, CallSession? Session);
}
