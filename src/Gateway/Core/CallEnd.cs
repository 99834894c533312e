using System.Net.WebSockets;

namespace Gateway.Core;

/// <summary>How a relayed call ended, from the first side to end it.</summary>
public enum CallEnd
{
    /// <summary>Telnyx sent a close frame (normally after <c>stop</c>).</summary>
    CallerClosed,

    /// <summary>The bot sent a close frame.</summary>
    BotClosed,

    /// <summary>Telnyx's connection dropped with no close frame.</summary>
    CallerLost,

    /// <summary>The bot's connection dropped with no close frame.</summary>
    BotLost,

    /// <summary>A side sent a message over its size limit.</summary>
    MessageTooBig,

    /// <summary>The gateway closed both sides (drain).</summary>
    GatewayClosed,
}

/// <summary>What a relay reports when both legs are done.</summary>
public sealed record RelayOutcome(
    CallEnd End,
    WebSocketCloseStatus? CloseStatus,
    string? CloseDescription,
    long CallerFrames,
    long CallerBytes,
    long BotFrames,
    long BotBytes);
