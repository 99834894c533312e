using System.Net.WebSockets;
using Gateway.Core;

namespace Gateway.Ingress;

/// <summary>
/// Why a stream was refused, with both of its answers: the HTTP status used before the 101 and the close code used
/// after it (when routing waits for the start frame). The codes are the contract's (README, "GET /ws/telnyx").
/// </summary>
public static class StreamRefusals
{
    /// <summary>The codes a call may wait out in its agent's queue (no slot free), and the one that sends it back to the end of it.</summary>
    public const string AgentAtLimitCode = "agent_at_limit", NoCapacityCode = "no_capacity", BotUnreachableCode = "bot_unreachable";

    public static Refusal NotWebSocket() => NotWebSocket("GET /ws/telnyx takes a WebSocket upgrade request.");

    /// <summary>A WebSocket request over HTTP/1.0 or HTTP/2: the gateway opens streams as RFC 6455 does, over HTTP/1.1.</summary>
    public static Refusal NotHttp11Upgrade(string protocol) => NotWebSocket($"A WebSocket upgrade takes HTTP/1.1 (RFC 6455); this request is {protocol}.");

    private static Refusal NotWebSocket(string detail) =>
        Refused(400, WebSocketCloseStatus.PolicyViolation, "not_websocket", "Not a WebSocket upgrade", detail);

    public static Refusal InvalidServiceHost(string detail) =>
        Refused(400, WebSocketCloseStatus.PolicyViolation, "invalid_service_host", "Invalid serviceHost", detail);

    public static Refusal InvalidBody(string detail) =>
        Refused(400, WebSocketCloseStatus.PolicyViolation, "invalid_body", "Invalid body", detail);

    public static Refusal UnknownAgent(string serviceHost) =>
        Refused(404, WebSocketCloseStatus.PolicyViolation, "unknown_agent", "Unknown agent", $"No agent answers to serviceHost '{serviceHost}'.");

    public static Refusal AgentDisabled(string serviceHost) =>
        Refused(403, WebSocketCloseStatus.PolicyViolation, "agent_disabled", "Agent disabled", $"Agent '{serviceHost}' is disabled.");

    public static Refusal AgentAtLimit(string serviceHost, int limit) =>
        Refused(429, CloseCodes.TryAgainLater, AgentAtLimitCode, "Agent at its call limit", $"Agent '{serviceHost}' already holds its {limit} concurrent calls.");

    public static Refusal NoFreeInstance(string serviceHost) =>
        Refused(503, CloseCodes.TryAgainLater, NoCapacityCode, "No bot capacity", $"No instance of agent '{serviceHost}' has free capacity.");

    public static Refusal BotUnreachable(string serviceHost) =>
        Refused(503, CloseCodes.TryAgainLater, BotUnreachableCode, "Bot unreachable", $"No instance of agent '{serviceHost}' accepted the connection.");

    /// <summary>The bot's call-control credential cannot be signed: the key ring was never read and Redis does not answer.</summary>
    public static Refusal CredentialUnavailable() =>
        Refused(503, CloseCodes.TryAgainLater, "credential_unavailable", "Credential unavailable", "The call's call-control credential cannot be signed right now (the key ring is unreachable).");

    public static Refusal RegistryUnavailable() =>
        Refused(503, CloseCodes.TryAgainLater, "registry_unavailable", "Registry not loaded", "The gateway has not loaded its agent registry yet.");

    /// <summary>The agent takes only streams carrying a token this gateway signed for it, and this one's is not.</summary>
    public static Refusal StreamToken(Credentials.StreamTokenCheck check, string serviceHost) => check switch
    {
        Credentials.StreamTokenCheck.Missing => Unauthorized("stream_token_missing", $"Agent '{serviceHost}' takes only streams with a token (the token query parameter or x-telnyx-streaming-auth-token)."),
        Credentials.StreamTokenCheck.Expired => Unauthorized("stream_token_expired", "The stream token has expired."),
        Credentials.StreamTokenCheck.OtherAgent => Unauthorized("stream_token_other_agent", $"The stream token was issued for another agent than '{serviceHost}'."),
        Credentials.StreamTokenCheck.Replayed => Unauthorized("stream_token_replayed", "The stream token is single use and was presented before."),
        _ => Unauthorized("stream_token_invalid", "The stream token was not signed by this gateway."),
    };

    private static Refusal Unauthorized(string code, string detail) =>
        Refused(401, WebSocketCloseStatus.PolicyViolation, code, "Stream not authorized", detail);

    public static Refusal RateLimited(int perSecond) =>
        Refused(429, CloseCodes.TryAgainLater, "rate_limited", "Too many stream upgrades", $"This address started more than {perSecond} streams a second (Ingress:UpgradesPerSecondPerAddress); retry shortly.") with
        {
            RetryAfterSeconds = 1,
        };

    /// <summary>Before the 101, a new call during the drain or one still connecting its bot when the window ends; after it, the drain's own close.</summary>
    public static Refusal Draining() =>
        Refused(503, CloseCodes.GatewayShuttingDown, "draining", "Gateway draining", "This gateway replica is shutting down; calls go to the others.") with
        {
            CloseReason = CloseCodes.GatewayShuttingDownReason,
        };

    /// <summary>A caller waited <c>queue.maxWaitSeconds</c> for a bot and none came free: 1013, so TeXML's fallback verb runs.</summary>
    public static Refusal QueueTimedOut(string serviceHost, int seconds) =>
        Refused(503, CloseCodes.TryAgainLater, "queue_timeout", "No bot free in time", $"No bot of agent '{serviceHost}' came free within {seconds} s.");

    /// <summary>A waiting caller of a replica whose drain window ended: 1013 rather than 1001, since no bot ever had the call.</summary>
    public static Refusal QueueClosed() =>
        Refused(503, CloseCodes.TryAgainLater, "draining", "Gateway draining", "This gateway replica shut down while the call waited for a bot.") with
        {
            CloseReason = "gateway shutting down: the queue is closed",
        };

    private static Refusal Refused(int status, WebSocketCloseStatus closeStatus, string code, string title, string detail) =>
        new(status, code, title, detail) { CloseStatus = closeStatus };
}
