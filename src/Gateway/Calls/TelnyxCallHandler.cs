using System.Net.WebSockets;
using Gateway.CallControl;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Relay;
using Gateway.Sessions;
using Gateway.Credentials;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>
/// One Telnyx media stream, from the upgrade request to the last close: routes it (by the URL before the 101, or
/// by the start frame after it), opens the bot hop, forwards <c>connected</c> and <c>start</c>, relays, and on
/// every way out releases the instance claim and the session record.
/// </summary>
public sealed partial class TelnyxCallHandler(
    IAgentRegistry registry,
    BotConnector connector,
    IInstanceClaims claims,
    ISessionStore sessions,
    StreamTokens streamTokens,
    BotFailureActions botFailures,
    LiveCalls liveCalls,
    GatewayDrain drain,
    ICallTelemetry metrics,
    IOptions<IngressOptions> ingressOptions,
    IOptions<RelayOptions> relayOptions,
    IOptions<GatewayOptions> gatewayOptions,
    TimeProvider time,
    ILogger<TelnyxCallHandler> logger)
{
    private readonly IngressOptions _ingress = ingressOptions.Value;
    private readonly RelayOptions _relay = relayOptions.Value;

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var trace = new CallTrace(Guid.CreateVersion7(time.GetUtcNow()).ToString(), time.GetTimestamp());
        using var logScope = logger.BeginScope(trace);

        // Live from here on, before the drain check: a drain that began since is seen below, and one whose window ends
        // later finds the call at whatever step it has reached.
        var call = new LiveCall(trace.SessionId);
        liveCalls.Add(call);
        try
        {
            await HandleLiveAsync(context, trace, call);
        }
        finally
        {
            liveCalls.Remove(call);
        }
    }

    private async Task HandleLiveAsync(HttpContext context, CallTrace trace, LiveCall call)
    {
        var sessionId = trace.SessionId;
        if (drain.IsDraining)
        {
            await RefuseAsync(context, trace, StreamRefusals.Draining());
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, trace, StreamRefusals.NotWebSocket());
            return;
        }

        // Kestrel would answer 101 to upgrade headers on an HTTP/1.0 request too.
        if (HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            await RefuseAsync(context, trace, StreamRefusals.Http10Upgrade());
            return;
        }

        var query = context.Request.Query;
        SessionBody? body = null;
        if (query.TryGetValue("body", out var rawBody) && rawBody.Count > 0)
        {
            var bodyError = "body is given more than once.";
            if (rawBody.Count > 1 || !SessionBody.TryDecode(rawBody[0] ?? string.Empty, _ingress.BodyMaxBytes, out body, out bodyError))
            {
                await RefuseAsync(context, trace, StreamRefusals.InvalidBody(bodyError));
                return;
            }
        }

        var snapshot = registry.Current;
        if (!snapshot.IsLoaded)
        {
            await RefuseAsync(context, trace, StreamRefusals.RegistryUnavailable());
            return;
        }

        if (query.TryGetValue("serviceHost", out var serviceHost) && serviceHost.Count > 0)
        {
            await RouteByUrlAsync(context, trace, call, sessionId, serviceHost.ToString(), body, snapshot);
        }
        else
        {
            await RouteByStartFrameAsync(context, trace, call, sessionId, body, snapshot);
        }
    }

    /// <summary>serviceHost in the URL: every refusal is an HTTP status, and the bot answers before Telnyx gets its 101.</summary>
    private async Task RouteByUrlAsync(HttpContext context, CallTrace trace, LiveCall call, string sessionId, string serviceHost, SessionBody? body, RegistrySnapshot snapshot)
    {
        var rejection = Resolve(snapshot, serviceHost, body, trace, out var agent);
        string? dialedSessionId = null;
        if (rejection is null)
        {
            (rejection, dialedSessionId) = await CheckStreamTokenAsync(context, agent!);
        }

        if (rejection is not null)
        {
            await RefuseAsync(context, trace, rejection);
            return;
        }

        sessionId = dialedSessionId ?? sessionId;
        trace.SessionId = sessionId;

        var bot = await ConnectBotAsync(call, agent!, sessionId, body, context.RequestAborted);
        if (bot.Rejection is { } refused)
        {
            await RefuseAsync(context, trace, refused);
            return;
        }

        try
        {
            WebSocket caller;
            try
            {
                caller = await context.WebSockets.AcceptWebSocketAsync(AcceptContext());
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or WebSocketException)
            {
                metrics.CallEnded(CallOutcomes.CallerLost, trace.Agent);
                await WebSocketClosing.CloseAsync(bot.Socket!, WebSocketCloseStatus.InternalServerError, "telnyx connection lost", _relay.CloseTimeout, time);
                return;
            }

            using (caller)
            {
                using var handshake = await ReadHandshakeAsync(call, caller, sessionId, bot.Socket);
                if (handshake is null)
                {
                    metrics.CallEnded(HandshakeEnd(call), trace.Agent);
                }
                else
                {
                    await RelayAsync(call, trace, caller, bot.Socket!, handshake, agent!, snapshot, routedBy: "url");
                }
            }
        }
        finally
        {
            await EndCallAsync(call, bot.Socket!);
        }
    }

    /// <summary>No serviceHost in the URL: accept, read connected and start, route on the start frame's custom parameters.</summary>
    private async Task RouteByStartFrameAsync(HttpContext context, CallTrace trace, LiveCall call, string sessionId, SessionBody? body, RegistrySnapshot snapshot)
    {
        using var caller = await context.WebSockets.AcceptWebSocketAsync(AcceptContext());
        using var handshake = await ReadHandshakeAsync(call, caller, sessionId, bot: null);
        if (handshake is null)
        {
            metrics.CallEnded(HandshakeEnd(call), agent: null);
            return;
        }

        // Routed on the registry as it is now, not as it was at the upgrade up to a handshake timeout ago.
        snapshot = registry.Current;
        RegisteredAgent? agent = null;
        var rejection = handshake.Start.ServiceHost is { } serviceHost
            ? Resolve(snapshot, serviceHost, body, trace, out agent)
            : StreamRefusals.InvalidServiceHost("no serviceHost in the URL or in the start frame's custom_parameters");
        if (rejection is null)
        {
            (rejection, var dialedSessionId) = await CheckStreamTokenAsync(context, agent!);
            sessionId = dialedSessionId ?? sessionId;
            trace.SessionId = sessionId;
        }

        var bot = rejection is null ? await ConnectBotAsync(call, agent!, sessionId, body, context.RequestAborted) : null;
        rejection ??= bot!.Rejection;
        if (rejection is not null)
        {
            LogRefused(logger, sessionId, rejection.Code, rejection.Detail);
            metrics.CallRefused(rejection.Code, trace.Agent);
            await WebSocketClosing.CloseAsync(caller, rejection.CloseStatus, rejection.CloseReason, _relay.CloseTimeout, time);
            return;
        }

        var botSocket = bot!.Socket!;
        try
        {
            await RelayAsync(call, trace, caller, botSocket, handshake, agent!, snapshot, routedBy: "start_frame");
        }
        finally
        {
            await EndCallAsync(call, botSocket);
        }
    }

    private async Task RelayAsync(LiveCall call, CallTrace trace, WebSocket caller, WebSocket bot, CallerHandshake handshake, RegisteredAgent agent, RegistrySnapshot snapshot, string routedBy)
    {
        var start = handshake.Start;
        try
        {
            // Pipecat reads the first two text frames to detect Telnyx: they go first, byte for byte.
            if (!handshake.Connected.IsEmpty)
            {
                await bot.SendAsync(handshake.Connected, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
            }

            await bot.SendAsync(handshake.StartBytes, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
        }
        catch (Exception e) when (e is WebSocketException or IOException or ObjectDisposedException)
        {
            LogBotLostAtStart(logger, call.SessionId, e.Message);
            metrics.CallEnded(CallOutcomes.BotUnreachable, agent.Key);
            await WebSocketClosing.CloseAsync(caller, WebSocketCloseStatus.InternalServerError, "bot connection lost", _relay.CloseTimeout, time);
            return;
        }

        var setup = time.GetElapsedTime(trace.UpgradeReceived);
        var handshakeFrames = handshake.Connected.IsEmpty ? 1 : 2;
        var handshakeBytes = handshake.Connected.Length + handshake.StartBytes.Length;

        // The frames are with the bot: their buffer goes back to the pool now rather than at the end of the call.
        handshake.Dispose();
        var claim = call.Claim!;
        var session = new CallSession
        {
            SessionId = call.SessionId,
            Org = agent.Key.Org,
            Agent = agent.Key.Agent,
            InstanceId = claim.Instance.Id,
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

        var relay = new CallRelay(caller, bot, _relay, time);
        var callMetrics = metrics.CallStarted(agent.Key, setup, handshakeFrames, handshakeBytes, relay.ToBot, relay.ToCaller);
        call.Relaying(session);

        // Written beside the relay, not before it: the bot already has the start frame and must not wait on Redis.
        var recorded = sessions.AddAsync(session);
        LogCallStarted(logger, call.SessionId, agent.Key, claim.Instance.Id, routedBy, start.CallControlId, snapshot.Revision);
        var began = time.GetTimestamp();
        var relaying = relay.RunAsync();
        if (await Task.WhenAny(relaying, call.Drained) != relaying)
        {
            await relay.CloseAsync(CloseCodes.GatewayShuttingDown, CloseCodes.GatewayShuttingDownReason);
        }

        var outcome = await relaying;
        callMetrics.Ended(CallOutcomes.Of(outcome));
        var duration = time.GetElapsedTime(began);
        await recorded;
        LogCallEnded(logger, call.SessionId, outcome.End, (int?)outcome.CloseStatus, outcome.CloseDescription,
            outcome.CallerFrames, outcome.BotFrames, duration);
        await botFailures.RunAsync(session, agent.Resource, outcome);
    }

    /// <summary>
    /// Reads connected+start within the handshake deadline, or until the drain window ends. On failure closes the
    /// caller (and the bot, when it is already connected) with the specific code and reason, and returns null.
    /// </summary>
    private async Task<CallerHandshake?> ReadHandshakeAsync(LiveCall call, WebSocket caller, string sessionId, WebSocket? bot)
    {
        var read = CallerHandshake.ReadAsync(caller, _ingress.StartFrameMaxBytes);
        using var deadlineCancel = new CancellationTokenSource();
        var deadline = Task.Delay(_ingress.HandshakeTimeout, time, deadlineCancel.Token);
        HandshakeResult result;
        Task closingCaller;
        var first = await Task.WhenAny(read, deadline, call.Drained);
        if (first != read)
        {
            await deadlineCancel.CancelAsync();
            result = first == deadline
                ? HandshakeResult.Fail(WebSocketCloseStatus.PolicyViolation, $"no start frame within {_ingress.HandshakeTimeout.TotalSeconds:0.###} s")
                : HandshakeResult.Fail(CloseCodes.GatewayShuttingDown, CloseCodes.GatewayShuttingDownReason);
            closingCaller = CloseWhileReadingAsync(caller, read, result);
        }
        else
        {
            await deadlineCancel.CancelAsync();
            result = await read;
            if (result.Handshake is not null)
            {
                return result.Handshake;
            }

            closingCaller = result.CallerGone
                ? Task.CompletedTask
                : WebSocketClosing.CloseAsync(caller, result.CloseStatus, result.Reason, _relay.CloseTimeout, time);
        }

        var status = result.CallerGone ? WebSocketCloseStatus.NormalClosure : result.CloseStatus;
        var reason = result.CallerGone ? "telnyx closed before its start frame" : result.Reason;
        LogHandshakeFailed(logger, sessionId, (int)status, reason);

        // Both legs at once: the bot must not wait for Telnyx to answer its own close.
        var closingBot = bot is null ? Task.CompletedTask : WebSocketClosing.CloseAsync(bot, status, reason, _relay.CloseTimeout, time);
        await Task.WhenAll(closingCaller, closingBot);
        return null;
    }

    /// <summary>Closes the caller while the handshake read is still pending: that read receives the caller's answer.</summary>
    private async Task CloseWhileReadingAsync(WebSocket caller, Task<HandshakeResult> read, HandshakeResult result)
    {
        await WebSocketClosing.TryCloseOutputAsync(caller, result.CloseStatus, result.Reason, _relay.CloseTimeout, time);
        using var closeCancel = new CancellationTokenSource();
        if (await Task.WhenAny(read, Task.Delay(_relay.CloseTimeout, time, closeCancel.Token)) != read)
        {
            caller.Abort();
        }

        await closeCancel.CancelAsync();
        (await read).Handshake?.Dispose();
    }

    /// <summary>
    /// Opens the bot hop and puts its claim on the call. When the drain window ends meanwhile, the connect is cancelled
    /// (a bot hop that opened just then is closed with 1001), the claim released, and the call refused as draining.
    /// </summary>
    private async Task<BotConnection> ConnectBotAsync(LiveCall call, RegisteredAgent agent, string sessionId, SessionBody? body, CancellationToken requestAborted)
    {
        using var connectCancel = CancellationTokenSource.CreateLinkedTokenSource(requestAborted);
        var connecting = connector.ConnectAsync(agent, sessionId, body, connectCancel.Token);
        if (await Task.WhenAny(connecting, call.Drained) != connecting)
        {
            await connectCancel.CancelAsync();
        }

        var bot = await connecting;
        if (!call.IsDrained)
        {
            if (bot.Claim is { } claim)
            {
                call.Claimed(sessionId, claim);
            }

            return bot;
        }

        if (bot.Socket is { } opened)
        {
            using (opened)
            {
                await WebSocketClosing.CloseAsync(opened, CloseCodes.GatewayShuttingDown, CloseCodes.GatewayShuttingDownReason, _relay.CloseTimeout, time);
            }

            await claims.ReleaseAsync(bot.Claim!);
        }

        return BotConnection.Refused(StreamRefusals.Draining());
    }

    /// <summary>How a stream that never got past its handshake ended, for the outcome label.</summary>
    private static string HandshakeEnd(LiveCall call) => call.IsDrained ? CallOutcomes.Drained : CallOutcomes.HandshakeFailed;

    private async Task EndCallAsync(LiveCall call, WebSocket bot)
    {
        bot.Dispose();
        if (call.Claim is { } claim)
        {
            await claims.ReleaseAsync(claim);
        }

        if (call.Session is { } session)
        {
            await sessions.RemoveAsync(session);
        }
    }

    /// <summary>Finds the agent a serviceHost names; one the registry holds is named in <paramref name="trace"/>, even when it refuses the call.</summary>
    private static Refusal? Resolve(RegistrySnapshot snapshot, string serviceHost, SessionBody? body, CallTrace trace, out RegisteredAgent? agent)
    {
        agent = null;
        if (!AgentKey.TryParseServiceHost(serviceHost, out var key, out var error))
        {
            return StreamRefusals.InvalidServiceHost(error);
        }

        if (!snapshot.TryGet(key, out agent))
        {
            return StreamRefusals.UnknownAgent(key.ServiceHost);
        }

        trace.SetAgent(key);

        if (!agent.Resource.Enabled)
        {
            return StreamRefusals.AgentDisabled(key.ServiceHost);
        }

        if (body is not null && body.JsonBytes > agent.Resource.BodyMaxBytes)
        {
            return StreamRefusals.InvalidBody($"body is {body.JsonBytes} bytes of JSON; agent '{key.ServiceHost}' takes at most {agent.Resource.BodyMaxBytes}.");
        }

        return null;
    }

    /// <summary>
    /// An agent with <c>streamAuth: token</c> takes a stream only with a token this gateway signed for it: in the
    /// <c>token</c> query parameter (TeXML) or Telnyx's <c>x-telnyx-streaming-auth-token</c> header (dial-out). Any
    /// agent's stream that carries a valid dial-out token takes the session id the dial-out answered with.
    /// </summary>
    private async ValueTask<(Refusal? Rejection, string? SessionId)> CheckStreamTokenAsync(HttpContext context, RegisteredAgent agent)
    {
        var token = context.Request.Query["token"].ToString();
        if (string.IsNullOrEmpty(token))
        {
            token = context.Request.Headers["x-telnyx-streaming-auth-token"].ToString();
        }

        var required = agent.Resource.StreamAuth == StreamAuthMode.Token;
        if (!required && string.IsNullOrEmpty(token))
        {
            return (null, null);
        }

        var result = await streamTokens.VerifyAsync(token, agent.Key, context.RequestAborted);
        if (result.Check == StreamTokenCheck.Valid)
        {
            return (null, result.SessionId);
        }

        // An agent without stream auth ignores a token it cannot use, as Pipecat Cloud ignores unknown parameters.
        return (required ? StreamRefusals.StreamToken(result.Check, agent.Key.ServiceHost) : null, null);
    }

    private async Task RefuseAsync(HttpContext context, CallTrace trace, Refusal rejection)
    {
        var sessionId = trace.SessionId;
        LogRefused(logger, sessionId, rejection.Code, rejection.Detail);
        metrics.CallRefused(rejection.Code, trace.Agent);
        await rejection.With("sessionId", sessionId).ExecuteAsync(context);
    }

    private WebSocketAcceptContext AcceptContext() => new()
    {
        KeepAliveInterval = _relay.KeepAliveInterval,
        KeepAliveTimeout = _relay.KeepAliveInterval > TimeSpan.Zero ? _relay.KeepAliveTimeout : Timeout.InfiniteTimeSpan,
    };

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Session {SessionId}: refused ({Code}): {Detail}")]
    private static partial void LogRefused(ILogger logger, string sessionId, string code, string detail);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information,
        Message = "Session {SessionId}: call for {AgentKey} on instance {InstanceId} (routed by {RoutedBy}), call_control_id {CallControlId}, registry revision {Revision}")]
    private static partial void LogCallStarted(ILogger logger, string sessionId, AgentKey agentKey, string instanceId, string routedBy, string? callControlId, long revision);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information,
        Message = "Session {SessionId}: ended ({End}, close {CloseStatus} '{CloseReason}'), {CallerFrames} frames from telnyx, {BotFrames} from the bot, lasted {Duration}")]
    private static partial void LogCallEnded(ILogger logger, string sessionId, CallEnd end, int? closeStatus, string? closeReason, long callerFrames, long botFrames, TimeSpan duration);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Session {SessionId}: stream closed before relaying ({CloseStatus}): {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, string sessionId, int closeStatus, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Warning, Message = "Session {SessionId}: bot connection lost before the start frame reached it: {Reason}")]
    private static partial void LogBotLostAtStart(ILogger logger, string sessionId, string reason);
}
