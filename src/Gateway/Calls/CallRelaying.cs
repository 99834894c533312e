using System.Net.WebSockets;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Relay;
using Gateway.Sessions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>
/// The relay stage: replays <c>connected</c> and <c>start</c> to the bot byte for byte, records the session, relays
/// every frame both ways until either side ends the call (or the drain window does), then runs the agent's
/// bot-failure action when the bot failed.
/// </summary>
public sealed partial class CallRelaying(
    ISessionStore sessions,
    BotFailureActions botFailures,
    BotFailovers failovers,
    ICallTelemetry telemetry,
    IOptions<RelayOptions> relayOptions,
    IOptions<GatewayOptions> gatewayOptions,
    TimeProvider time,
    ILogger<CallRelaying> logger)
{
    private readonly RelayOptions _relay = relayOptions.Value;

    /// <param name="routedBy"><c>url</c> or <c>start_frame</c>, for the session record and the log.</param>
    /// <param name="body">The stream's body, for a bot that takes the call over when its agent asks for continuity.</param>
    public async Task RelayAsync(LiveCall call, LegSocket caller, CallerHandshake handshake, BotLeg bot, RegisteredAgent agent, SessionBody? body, long registryRevision, string routedBy)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(handshake);
        ArgumentNullException.ThrowIfNull(bot);
        ArgumentNullException.ThrowIfNull(agent);
        var start = handshake.Start;
        try
        {
            // Pipecat reads the first two text frames to detect Telnyx: they go first, byte for byte.
            if (!handshake.Connected.IsEmpty)
            {
                await bot.Socket.SendAsync(handshake.Connected, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }

            await bot.Socket.SendAsync(handshake.StartBytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
        {
            LogBotLostAtStart(logger, call.SessionId, e.Message);
            telemetry.CallEnded(CallOutcomes.BotUnreachable, agent.Key);
            await WebSocketClosing.CloseAsync(caller, WebSocketCloseStatus.InternalServerError, "bot connection lost", _relay.CloseTimeout, time);
            return;
        }

        var setup = time.GetElapsedTime(call.UpgradeReceived);
        var replayedFrames = handshake.Connected.IsEmpty ? 1 : 2;
        var replayedBytes = handshake.Connected.Length + handshake.StartBytes.Length;

        var session = new CallSession
        {
            SessionId = call.SessionId,
            Org = agent.Key.Org,
            Agent = agent.Key.Agent,
            InstanceId = bot.Claim.Instance.Id,
            ReplicaId = gatewayOptions.Value.ReplicaId,
            CallControlId = start.CallControlId,
            CallSessionId = start.CallSessionId,
            StreamId = start.StreamId,
            From = start.From,
            To = start.To,
            Started = time.GetUtcNow(),
            RegistryRevision = agent.Revision,
            RoutedBy = routedBy,
        };

        // The frames are with the bot: their buffer goes back to the pool now rather than at the end of the call (a call
        // that may move to another bot keeps a copy).
        using var failover = failovers.Open(call, agent, body, handshake, caller, bot, session);
        handshake.Dispose();
        using var relay = new CallRelay(caller, bot.Socket, _relay, time, failover);
        var callTelemetry = telemetry.CallStarted(agent.Key, setup, replayedFrames, replayedBytes, relay.ToBot, relay.ToCaller);
        call.Relaying(session);

        // Written beside the relay, not before it: the bot already has the start frame and must not wait on Redis.
        var recorded = sessions.AddAsync(session);
        LogCallStarted(logger, call.SessionId, agent.Key, bot.Claim.Instance.Id, routedBy, start.CallControlId, registryRevision);
        var began = time.GetTimestamp();
        var relaying = relay.RunAsync();
        if (await Task.WhenAny(relaying, call.Drained) != relaying)
        {
            await relay.CloseAsync(CloseCodes.GatewayShuttingDown, CloseCodes.GatewayShuttingDownReason);
        }

        var outcome = await relaying;
        callTelemetry.Ended(CallOutcomes.Of(outcome));
        var duration = time.GetElapsedTime(began);
        await recorded;
        LogCallEnded(logger, call.SessionId, outcome.End, (int?)outcome.CloseStatus, outcome.CloseDescription,
            outcome.CallerFrames, outcome.BotFrames, duration);
        if (failover is { Reconnects: > 0 })
        {
            LogHeldFrames(logger, call.SessionId, failover.Reconnects, relay.DroppedWhileHeld.Frames);
        }

        await botFailures.RunAsync(failover?.Session ?? session, agent.Resource, outcome);
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information,
        Message = "Session {SessionId}: call for {AgentKey} on instance {InstanceId} (routed by {RoutedBy}), call_control_id {CallControlId}, registry revision {Revision}")]
    private static partial void LogCallStarted(ILogger logger, string sessionId, AgentKey agentKey, string instanceId, string routedBy, string? callControlId, long revision);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
        Message = "Session {SessionId}: ended ({End}, close {CloseStatus} '{CloseReason}'), {CallerFrames} frames from telnyx, {BotFrames} from the bot, lasted {Duration}")]
    private static partial void LogCallEnded(ILogger logger, string sessionId, CallEnd end, int? closeStatus, string? closeReason, long callerFrames, long botFrames, TimeSpan duration);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Information, Message = "Session {SessionId}: moved to another bot {Reconnects} times; {DroppedFrames} frames from telnyx were dropped while it waited")]
    private static partial void LogHeldFrames(ILogger logger, string sessionId, int reconnects, long droppedFrames);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Session {SessionId}: bot connection lost before the start frame reached it: {Reason}")]
    private static partial void LogBotLostAtStart(ILogger logger, string sessionId, string reason);
}
