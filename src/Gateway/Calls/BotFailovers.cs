using Gateway.Claims;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Relay;
using Gateway.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>Opens each call's <see cref="BotFailover"/> when its agent asks for continuity, and holds what they share.</summary>
public sealed class BotFailovers(
    CallAdmission admission,
    IInstanceClaims claims,
    ISessionStore sessions,
    ICallTelemetry telemetry,
    HoldClipFrames holdClips,
    IOptions<RelayOptions> relayOptions,
    TimeProvider time,
    ILogger<BotFailover> logger)
{
    internal CallAdmission Admission => admission;

    internal IInstanceClaims Claims => claims;

    internal ISessionStore Sessions => sessions;

    internal ICallTelemetry Telemetry => telemetry;

    internal HoldClipFrames HoldClips => holdClips;

    internal TimeSpan CloseTimeout => relayOptions.Value.CloseTimeout;

    internal TimeProvider Time => time;

    internal ILogger Logger => logger;

    /// <returns>The call's failover, or null when its agent has no <c>continuity.reconnect</c>.</returns>
    public BotFailover? Open(LiveCall call, RegisteredAgent agent, SessionBody? body, CallerHandshake handshake, LegSocket caller, BotLeg bot, CallSession session)
    {
        ArgumentNullException.ThrowIfNull(agent);
        return agent.Resource.Continuity?.Reconnect is null ? null : new BotFailover(this, call, agent, body, handshake, caller, bot, session);
    }
}
