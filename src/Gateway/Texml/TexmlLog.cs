using Gateway.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Texml;

/// <summary>TeXML's log lines, in one place for their event ids, written under the category <c>Gateway.Texml.TexmlHandler</c>.</summary>
internal static partial class TexmlLog
{
    [LoggerMessage(EventId = 12001, Level = LogLevel.Information, Message = "TeXML for {AgentKey}: CallSid {CallSid}, body {BodyBytes} bytes, stream token {WithToken}")]
    public static partial void Answered(ILogger logger, AgentKey agentKey, RequestValue callSid, int bodyBytes, bool withToken);

    [LoggerMessage(EventId = 12002, Level = LogLevel.Information, Message = "TeXML for agent {Org}/{Agent}: {Reason}; answered with Texml:UnknownNumberResponse")]
    public static partial void UnknownAgent(ILogger logger, RequestValue org, RequestValue agent, string reason);

    [LoggerMessage(EventId = 12003, Level = LogLevel.Information, Message = "TeXML for number {To}: no agent owns it; answered with Texml:UnknownNumberResponse")]
    public static partial void UnknownNumber(ILogger logger, RequestValue to);

    [LoggerMessage(EventId = 12009, Level = LogLevel.Information, Message = "TeXML for number {To}: its agent {AgentKey} is disabled; answered with Texml:UnknownNumberResponse")]
    public static partial void NumberAgentDisabled(ILogger logger, RequestValue to, AgentKey agentKey);

    [LoggerMessage(EventId = 12004, Level = LogLevel.Warning, Message = "TeXML for {AgentKey}: the body with the request's fields is {Bytes} bytes of JSON, over the limit of {Limit}; the fields were left out")]
    public static partial void BodyFieldsDropped(ILogger logger, AgentKey agentKey, int bytes, int limit);

    [LoggerMessage(EventId = 12005, Level = LogLevel.Warning, Message = "TeXML for {AgentKey}: the static body alone is {Bytes} bytes of JSON, over the limit of {Limit}; the stream carries no body")]
    public static partial void BodyOmitted(ILogger logger, AgentKey agentKey, int bytes, int limit);

    [LoggerMessage(EventId = 12006, Level = LogLevel.Warning, Message = "TeXML request {Method} {Path} refused ({Code}) from {RemoteAddress}")]
    public static partial void SignatureRefused(ILogger logger, string method, PathString path, string code, string? remoteAddress);

    [LoggerMessage(EventId = 12007, Level = LogLevel.Error, Message = "TeXML for {AgentKey}: no stream token could be signed ({Reason}); answered 503")]
    public static partial void TokenUnavailable(ILogger logger, AgentKey agentKey, string reason);

    [LoggerMessage(EventId = 12008, Level = LogLevel.Error, Message = "TeXML for {AgentKey}: its settings do not make a TeXML document ({Reason}); answered with Texml:UnknownNumberResponse")]
    public static partial void DocumentFailed(ILogger logger, AgentKey agentKey, string reason);
}
