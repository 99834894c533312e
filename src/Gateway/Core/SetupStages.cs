namespace Gateway.Core;

/// <summary>
/// The steps of a call's set-up, timed one by one: the <c>stage</c> label of
/// <c>gateway_call_setup_stage_seconds</c>. When a call's set-up is slow, they say whether Redis, the bot or Telnyx
/// took the time. Claims and bot connects are timed per attempt, for set-ups and for a dropped bot's replacement alike.
/// </summary>
public static class SetupStages
{
    /// <summary>Finding the agent in the registry and checking the stream token (a dial-out's is read from Redis).</summary>
    public const string Route = "route";

    /// <summary>Claiming an instance with room: one Redis script (a local count on the embedded registry).</summary>
    public const string Claim = "claim";

    /// <summary>Connecting to the claimed instance until its 101, or until it refused.</summary>
    public const string BotConnect = "bot_connect";

    /// <summary>Answering Telnyx's upgrade with the 101.</summary>
    public const string CallerUpgrade = "caller_upgrade";

    /// <summary>From the 101 until Telnyx's <c>start</c> frame is read: Telnyx's time, and the network's.</summary>
    public const string StartFrame = "start_frame";

    public static IReadOnlyList<string> All { get; } = [Route, Claim, BotConnect, CallerUpgrade, StartFrame];
}
