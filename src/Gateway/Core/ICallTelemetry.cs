namespace Gateway.Core;

/// <summary>
/// What happens to calls, told to whatever watches them (the Prometheus metrics): the call's code reports, it never
/// reads back, and it knows nothing of how the numbers are exported.
/// </summary>
public interface ICallTelemetry
{
    /// <summary>A stream refused, before or after its 101, with the refusal's code. <paramref name="agent"/>: only an agent the registry holds.</summary>
    void CallRefused(string code, AgentKey? agent);

    /// <summary>A stream that ended before its relay began, for a reason other than a refusal (see <see cref="CallOutcomes"/>).</summary>
    void CallEnded(string outcome, AgentKey? agent);

    /// <summary>
    /// A call's start frame reached its bot: counts it started, records its setup time and the frames replayed to the
    /// bot (<c>connected</c> and <c>start</c>), and watches its relay's traffic until it ends.
    /// </summary>
    IRelayedCallTelemetry CallStarted(AgentKey agent, TimeSpan setup, long replayedFrames, long replayedBytes, RelayTraffic toBot, RelayTraffic toCaller);

    /// <summary>One step of a call's set-up took <paramref name="elapsed"/> (see <see cref="SetupStages"/>), whatever came of it.</summary>
    void SetupStageTook(string stage, TimeSpan elapsed);

    /// <summary>A call whose bot dropped was moved to another bot, or could not be (see <see cref="ReconnectResults"/>).</summary>
    void CallReconnected(AgentKey agent, string result);

    /// <summary>A caller's time in its agent's queue ended (see <see cref="QueueOutcomes"/>) after <paramref name="waited"/>.</summary>
    void CallQueued(AgentKey agent, string outcome, TimeSpan waited);
}

/// <summary>How a caller's wait in its agent's queue ended: the <c>outcome</c> label of the queue's metrics.</summary>
public static class QueueOutcomes
{
    /// <summary>A bot took the call.</summary>
    public const string Connected = "connected";

    /// <summary><c>maxWaitSeconds</c> passed first: the stream was closed with 1013.</summary>
    public const string TimedOut = "timed_out";

    /// <summary>The caller hung up while waiting.</summary>
    public const string Abandoned = "abandoned";

    /// <summary><c>maxLength</c> callers waited already: refused before the 101 (no wait).</summary>
    public const string Full = "full";

    /// <summary>The replica drained: its waiting callers gave their places back and were closed with 1013 at the window's end.</summary>
    public const string Drained = "drained";

    /// <summary>Redis did not take the caller into the queue, or a bot answered the claim but not the connection.</summary>
    public const string Failed = "failed";
}

/// <summary>How a try to move a call to another bot went.</summary>
public static class ReconnectResults
{
    /// <summary>Another bot has the call.</summary>
    public const string Reconnected = "reconnected";

    /// <summary>No bot could be reached (none free, none answered, or the time ran out).</summary>
    public const string Failed = "failed";

    /// <summary>The call had used every reconnect its agent allows, or the caller left meanwhile.</summary>
    public const string GaveUp = "gave_up";
}

/// <summary>One relayed call's telemetry, from its start to its end.</summary>
public interface IRelayedCallTelemetry
{
    /// <summary>The relay is done: the call is counted ended with <paramref name="outcome"/> (see <see cref="CallOutcomes"/>).</summary>
    void Ended(string outcome);
}
