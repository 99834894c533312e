using System.Net.WebSockets;

namespace Gateway.Core;

/// <summary>
/// The <c>outcome</c> label of <c>gateway_calls_ended_total</c>: a short, fixed set, so the label's cardinality is
/// bounded whatever callers send.
/// </summary>
public static class CallOutcomes
{
    /// <summary>A side closed with 1000 (or a close frame with no code): the call ended the ordinary way.</summary>
    public const string Normal = "normal";

    /// <summary>Telnyx closed with another code (1001, 1011, 4xxx, ...).</summary>
    public const string CallerClosed = "caller_closed";

    /// <summary>The bot closed with another code.</summary>
    public const string BotClosed = "bot_closed";

    /// <summary>Telnyx's connection dropped with no close frame (also: before its upgrade completed).</summary>
    public const string CallerLost = "caller_lost";

    /// <summary>The bot's connection dropped with no close frame in the middle of the call.</summary>
    public const string BotLost = "bot_lost";

    /// <summary>The bot accepted the connection but was gone before the start frame reached it.</summary>
    public const string BotUnreachable = "bot_unreachable";

    /// <summary>A side sent a message over its size limit; both were closed with 1009.</summary>
    public const string MessageTooBig = "message_too_big";

    /// <summary>Still live at the end of the drain window: closed by the gateway with 1001.</summary>
    public const string Drained = "drained";

    /// <summary>The stream's first frames were not Telnyx's connected and start (or none came in time).</summary>
    public const string HandshakeFailed = "handshake_failed";

    /// <summary>Refused for a <see cref="Refusal"/>: <c>rejected_{code}</c>, e.g. <c>rejected_unknown_agent</c>.</summary>
    public static string Rejected(string code) => "rejected_" + code;

    /// <summary>How a relayed call ended, from the side that ended it first.</summary>
    public static string Of(RelayOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.End switch
        {
            CallEnd.CallerClosed => IsNormalClose(outcome.CloseStatus) ? Normal : CallerClosed,
            CallEnd.BotClosed => IsNormalClose(outcome.CloseStatus) ? Normal : BotClosed,
            CallEnd.CallerLost => CallerLost,
            CallEnd.BotLost => BotLost,
            CallEnd.MessageTooBig => MessageTooBig,
            CallEnd.GatewayClosed => Drained,
            _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome.End, "unknown call end"),
        };
    }

    // A close frame without a code reads as 1005 (Empty): a peer that hangs up without saying why is still a clean end.
    private static bool IsNormalClose(WebSocketCloseStatus? status) =>
        status is null or WebSocketCloseStatus.NormalClosure or WebSocketCloseStatus.Empty;
}
