using System.Net.WebSockets;

namespace Gateway.SampleBot;

/// <summary>Every log line of a bot session, each carrying the session id so concurrent calls can be told apart.</summary>
internal static partial class BotLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Session {SessionId}: no X-Daily-Session-Id header, using a generated id")]
    public static partial void SessionIdGenerated(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Session {SessionId}: body could not be decoded ({Reason}); continuing without one")]
    public static partial void BodyUndecodable(ILogger logger, string sessionId, string reason);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Session {SessionId}: stream accepted for org {Org}, agent {Agent}, body {Body}")]
    public static partial void SessionAccepted(ILogger logger, string sessionId, string org, string agent, string body);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Session {SessionId}: Telnyx call stream_id={StreamId} call_control_id={CallControlId} from={From} to={To} encoding={Encoding}")]
    public static partial void CallStarted(ILogger logger, string sessionId, string streamId, string callControlId, string from, string to, string encoding);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Session {SessionId}: the first two frames are not a Telnyx connected/start handshake; closing")]
    public static partial void NotTelnyx(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Session {SessionId}: a {MessageType} frame arrived during the handshake, which must be text; closing")]
    public static partial void HandshakeNotText(ILogger logger, string sessionId, WebSocketMessageType messageType);

    [LoggerMessage(EventId = 7, Level = LogLevel.Warning, Message = "Session {SessionId}: the stream closed before the handshake completed")]
    public static partial void ClosedDuringHandshake(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "Session {SessionId}: DTMF digit {Digit}")]
    public static partial void DtmfReceived(ILogger logger, string sessionId, string digit);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Session {SessionId}: stop received; closing with 1000")]
    public static partial void StopReceived(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Session {SessionId}: the other side closed with {CloseStatus} '{CloseDescription}'")]
    public static partial void PeerClosed(ILogger logger, string sessionId, WebSocketCloseStatus? closeStatus, string? closeDescription);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Session {SessionId}: ignoring a frame with event '{EventName}'")]
    public static partial void UnknownFrame(ILogger logger, string sessionId, string eventName);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Session {SessionId}: ignoring a malformed frame: {Reason}")]
    public static partial void MalformedFrame(ILogger logger, string sessionId, string reason);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "Session {SessionId}: closing with 1009, {Reason}")]
    public static partial void MessageTooBig(ILogger logger, string sessionId, string reason);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "Session {SessionId}: the other side did not answer the close in time; aborting")]
    public static partial void CloseUnanswered(ILogger logger, string sessionId);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "Session {SessionId}: connection lost without a close frame")]
    public static partial void ConnectionLost(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Session {SessionId}: ended after echoing {MediaFrames} media frames")]
    public static partial void SessionEnded(ILogger logger, string sessionId, int mediaFrames);
}
