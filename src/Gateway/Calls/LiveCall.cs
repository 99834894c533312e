using Gateway.Claims;
using Gateway.Sessions;

namespace Gateway.Calls;

/// <summary>
/// A call this replica handles, from its upgrade request to its last close: what its lease renewals, the metrics
/// scrape, call control and the drain need to reach.
/// </summary>
/// <remarks>
/// Other threads read it while its handler, the only writer, moves it on: each step publishes one immutable
/// <see cref="Phase"/>, so a reader sees a whole step or the one before, never half of one.
/// </remarks>
public sealed class LiveCall
{
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Phase _phase;

    public LiveCall(string sessionId) => _phase = new Phase(sessionId, Claim: null, Session: null);

    /// <summary>The call's session id; a dial-out's stream adopts its dial-out's one when it claims an instance.</summary>
    public string SessionId => _phase.SessionId;

    /// <summary>Set once an instance is claimed and its bot connected.</summary>
    public InstanceClaim? Claim => _phase.Claim;

    /// <summary>Set once the start frame reached the bot.</summary>
    public CallSession? Session => _phase.Session;

    /// <summary>Completes when the drain window ends with the call still live: each phase of the call races it.</summary>
    public Task Drained => _drained.Task;

    public bool IsDrained => _drained.Task.IsCompleted;

    /// <summary>The drain window is over: the call ends in whatever phase it is.</summary>
    public void Drain() => _drained.TrySetResult();

    /// <summary>The bot is connected on this claim.</summary>
    internal void Claimed(string sessionId, InstanceClaim claim) => _phase = _phase with { SessionId = sessionId, Claim = claim };

    /// <summary>The start frame reached the bot and frames flow.</summary>
    internal void Relaying(CallSession session) => _phase = _phase with { Session = session };

    private sealed record Phase(string SessionId, InstanceClaim? Claim, CallSession? Session);
}
