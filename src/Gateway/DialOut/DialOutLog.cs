using Gateway.Core;
using Microsoft.Extensions.Logging;

namespace Gateway.DialOut;

/// <summary>Dial-out's log lines, written under the category <c>Gateway.DialOut.DialOutRequest</c> (ILogger of <see cref="DialOutRequest"/>).</summary>
internal static partial class DialOutLog
{
    [LoggerMessage(EventId = 10001, Level = LogLevel.Information, Message = "Session {SessionId}: dialed out for {AgentKey}, call_control_id {CallControlId}")]
    public static partial void Dialed(ILogger logger, string sessionId, AgentKey agentKey, string? callControlId);

    [LoggerMessage(EventId = 10002, Level = LogLevel.Warning, Message = "Session {SessionId}: Telnyx refused the outbound call for {AgentKey}: HTTP {Status}, code {TelnyxCode}: {Detail}")]
    public static partial void TelnyxRefused(ILogger logger, string sessionId, AgentKey agentKey, int status, string? telnyxCode, string? detail);

    [LoggerMessage(EventId = 10003, Level = LogLevel.Warning, Message = "Session {SessionId}: Telnyx unreachable for an outbound call of {AgentKey}: {Reason}")]
    public static partial void TelnyxUnreachable(ILogger logger, string sessionId, AgentKey agentKey, string reason);

    [LoggerMessage(EventId = 10005, Level = LogLevel.Error, Message = "Session {SessionId}: the outbound call of {AgentKey} was not sent to Telnyx: the organization's API key cannot travel in an HTTP header")]
    public static partial void TelnyxNotSent(ILogger logger, string sessionId, AgentKey agentKey);

    [LoggerMessage(EventId = 10004, Level = LogLevel.Warning, Message = "Dial-out for organization {Org} refused: its Telnyx settings could not be read: {Reason}")]
    public static partial void SettingsUnavailable(ILogger logger, string org, string reason);
}
