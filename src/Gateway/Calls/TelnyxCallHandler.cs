using System.Net.WebSockets;
using Gateway.Claims;
using Gateway.Hosting;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Relay;
using Gateway.Sessions;
using Gateway.StreamAuth;
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
    LiveCalls liveCalls,
    GatewayDrain drain,
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
        var sessionId = Guid.CreateVersion7(time.GetUtcNow()).ToString();
        if (drain.IsDraining)
        {
            await RefuseAsync(context, sessionId, CallRejection.Draining());
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await RefuseAsync(context, sessionId, CallRejection.NotWebSocket());
            return;
        }

        var query = context.Request.Query;
        SessionBody? body = null;
        if (query.TryGetValue("body", out var rawBody) && rawBody.Count > 0)
        {
            var bodyError = "body is given more than once.";
            if (rawBody.Count > 1 || !SessionBody.TryDecode(rawBody[0] ?? string.Empty, _ingress.BodyMaxBytes, out body, out bodyError))
            {
                await RefuseAsync(context, sessionId, CallRejection.InvalidBody(bodyError));
                return;
            }
        }

        var snapshot = registry.Current;
        if (!snapshot.IsLoaded)
        {
            await RefuseAsync(context, sessionId, CallRejection.RegistryUnavailable());
            return;
        }

        if (query.TryGetValue("serviceHost", out var serviceHost) && serviceHost.Count > 0)
        {
            await RouteByUrlAsync(context, sessionId, serviceHost.ToString(), body, snapshot);
        }
        else
        {
            await RouteByStartFrameAsync(context, sessionId, body, snapshot);
        }
    }

    /// <summary>serviceHost in the URL: every refusal is an HTTP status, and the bot answers before Telnyx gets its 101.</summary>
    private async Task RouteByUrlAsync(HttpContext context, string sessionId, string serviceHost, SessionBody? body, RegistrySnapshot snapshot)
    {
        var rejection = Resolve(snapshot, serviceHost, body, out var agent)
            ?? await CheckStreamTokenAsync(context, agent!);
        if (rejection is not null)
        {
            await RefuseAsync(context, sessionId, rejection);
            return;
        }

        var bot = await connector.ConnectAsync(agent!, sessionId, body, context.RequestAborted);
        if (bot.Rejection is { } refused)
        {
            await RefuseAsync(context, sessionId, refused);
            return;
        }

        var call = new LiveCall(sessionId, bot.Claim!);
        liveCalls.Add(call);
        try
        {
            WebSocket caller;
            try
            {
                caller = await context.WebSockets.AcceptWebSocketAsync(AcceptContext());
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or WebSocketException)
            {
                await WebSocketClosing.CloseAsync(bot.Socket!, WebSocketCloseStatus.InternalServerError, "telnyx connection lost", _relay.CloseTimeout, time);
                return;
            }

            using (caller)
            {
                using var handshake = await ReadHandshakeAsync(caller, sessionId, bot.Socket);
                if (handshake is not null)
                {
                    await RelayAsync(call, caller, bot.Socket!, handshake, agent!, snapshot, routedBy: "url");
                }
            }
        }
        finally
        {
            await EndCallAsync(call, bot.Socket!);
        }
    }

    /// <summary>No serviceHost in the URL: accept, read connected and start, route on the start frame's custom parameters.</summary>
    private async Task RouteByStartFrameAsync(HttpContext context, string sessionId, SessionBody? body, RegistrySnapshot snapshot)
    {
        using var caller = await context.WebSockets.AcceptWebSocketAsync(AcceptContext());
        using var handshake = await ReadHandshakeAsync(caller, sessionId, bot: null);
        if (handshake is null)
        {
            return;
        }

        // Routed on the registry as it is now, not as it was at the upgrade up to a handshake timeout ago.
        snapshot = registry.Current;
        RegisteredAgent? agent = null;
        var rejection = handshake.Start.ServiceHost is { } serviceHost
            ? Resolve(snapshot, serviceHost, body, out agent)
            : CallRejection.InvalidServiceHost("no serviceHost in the URL or in the start frame's custom_parameters");
        rejection ??= await CheckStreamTokenAsync(context, agent!);

        var bot = rejection is null ? await connector.ConnectAsync(agent!, sessionId, body, context.RequestAborted) : null;
        rejection ??= bot!.Rejection;
        if (rejection is not null)
        {
            LogRefused(logger, sessionId, rejection.Code, rejection.Detail);
            await WebSocketClosing.CloseAsync(caller, rejection.CloseStatus, rejection.Detail, _relay.CloseTimeout, time);
            return;
        }

        var call = new LiveCall(sessionId, bot!.Claim!);
        liveCalls.Add(call);
        try
        {
            await RelayAsync(call, caller, bot.Socket!, handshake, agent!, snapshot, routedBy: "start_frame");
        }
        finally
        {
            await EndCallAsync(call, bot.Socket!);
        }
    }

    private async Task RelayAsync(LiveCall call, WebSocket caller, WebSocket bot, CallerHandshake handshake, RegisteredAgent agent, RegistrySnapshot snapshot, string routedBy)
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
            await WebSocketClosing.CloseAsync(caller, WebSocketCloseStatus.InternalServerError, "bot connection lost", _relay.CloseTimeout, time);
            return;
        }

        // The frames are with the bot: their buffer goes back to the pool now rather than at the end of the call.
        handshake.Dispose();
        call.Session = new CallSession
        {
            SessionId = call.SessionId,
            Org = agent.Key.Org,
            Agent = agent.Key.Agent,
            InstanceId = call.Claim.Instance.Id,
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

        // Written beside the relay, not before it: the bot already has the start frame and must not wait on Redis.
        var recorded = sessions.AddAsync(call.Session);
        LogCallStarted(logger, call.SessionId, agent.Key, call.Claim.Instance.Id, routedBy, start.CallControlId, snapshot.Revision);
        var relay = new CallRelay(caller, bot, _relay, time);
        call.Relay = relay;
        var began = time.GetTimestamp();
        var outcome = await relay.RunAsync();
        var duration = time.GetElapsedTime(began);
        await recorded;
        LogCallEnded(logger, call.SessionId, outcome.End, (int?)outcome.CloseStatus, outcome.CloseDescription,
            outcome.CallerFrames, outcome.BotFrames, duration);
    }

    /// <summary>
    /// Reads connected+start within the handshake deadline. On failure closes the caller (and the bot, when it is
    /// already connected) with the specific code and reason, and returns null.
    /// </summary>
    private async Task<CallerHandshake?> ReadHandshakeAsync(WebSocket caller, string sessionId, WebSocket? bot)
    {
        var read = CallerHandshake.ReadAsync(caller, _ingress.StartFrameMaxBytes);
        using var deadlineCancel = new CancellationTokenSource();
        var deadline = Task.Delay(_ingress.HandshakeTimeout, time, deadlineCancel.Token);
        HandshakeResult result;
        Task closingCaller;
        if (await Task.WhenAny(read, deadline) == deadline)
        {
            result = HandshakeResult.Fail(WebSocketCloseStatus.PolicyViolation, $"no start frame within {_ingress.HandshakeTimeout.TotalSeconds:0.###} s");
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

    private async Task EndCallAsync(LiveCall call, WebSocket bot)
    {
        bot.Dispose();
        await claims.ReleaseAsync(call.Claim);
        if (call.Session is not null)
        {
            await sessions.RemoveAsync(call.Session);
        }

        liveCalls.Remove(call.SessionId);
    }

    private static CallRejection? Resolve(RegistrySnapshot snapshot, string serviceHost, SessionBody? body, out RegisteredAgent? agent)
    {
        agent = null;
        if (!AgentKey.TryParseServiceHost(serviceHost, out var key, out var error))
        {
            return CallRejection.InvalidServiceHost(error);
        }

        if (!snapshot.TryGet(key, out agent))
        {
            return CallRejection.UnknownAgent(key.ServiceHost);
        }

        if (!agent.Resource.Enabled)
        {
            return CallRejection.AgentDisabled(key.ServiceHost);
        }

        if (body is not null && body.JsonBytes > agent.Resource.BodyMaxBytes)
        {
            return CallRejection.InvalidBody($"body is {body.JsonBytes} bytes of JSON; agent '{key.ServiceHost}' takes at most {agent.Resource.BodyMaxBytes}.");
        }

        return null;
    }

    /// <summary>
    /// An agent with <c>streamAuth: token</c> takes a stream only with a token this gateway signed for it: in the
    /// <c>token</c> query parameter (TeXML) or Telnyx's <c>x-telnyx-streaming-auth-token</c> header (dial-out).
    /// </summary>
    private async ValueTask<CallRejection?> CheckStreamTokenAsync(HttpContext context, RegisteredAgent agent)
    {
        if (agent.Resource.StreamAuth != StreamAuthMode.Token)
        {
            return null;
        }

        var token = context.Request.Query["token"].ToString();
        if (string.IsNullOrEmpty(token))
        {
            token = context.Request.Headers["x-telnyx-streaming-auth-token"].ToString();
        }

        var check = await streamTokens.CheckAsync(token, agent.Key, context.RequestAborted);
        return check == StreamTokenCheck.Valid ? null : CallRejection.StreamToken(check, agent.Key.ServiceHost);
    }

    private async Task RefuseAsync(HttpContext context, string sessionId, CallRejection rejection)
    {
        LogRefused(logger, sessionId, rejection.Code, rejection.Detail);
        var problem = Results.Problem(
            detail: rejection.Detail,
            statusCode: rejection.StatusCode,
            title: rejection.Title,
            extensions: new Dictionary<string, object?> { ["code"] = rejection.Code, ["sessionId"] = sessionId });
        await problem.ExecuteAsync(context);
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
