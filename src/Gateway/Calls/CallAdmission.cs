using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Credentials;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Relay;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>
/// The admit stage: claims the least-loaded instance with room and opens the bot hop to it; when an instance refuses,
/// releases it and tries the next, until one answers, none has room, or the connect budget runs out. When the drain
/// window ends meanwhile, the connect is given up (a bot hop that opened just then is closed with 1001) and the call
/// refused as draining.
/// </summary>
public sealed partial class CallAdmission(
    IInstanceClaims claims,
    SessionCredentials credentials,
    IBotDialer dialer,
    ICallTelemetry telemetry,
    IOptions<RelayOptions> options,
    TimeProvider time,
    ILogger<CallAdmission> logger)
{
    private readonly RelayOptions _options = options.Value;

    /// <summary>The bot hop, its claim on the call; or why there is none.</summary>
    public readonly record struct Admission(BotLeg? Bot, Refusal? Refusal);

    public async Task<Admission> AdmitAsync(LiveCall call, RegisteredAgent agent, SessionBody? body, CancellationToken callerGone)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(agent);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(callerGone);
        var connecting = ConnectAsync(agent, call.SessionId, body, giveUp.Token);
        if (await Task.WhenAny(connecting, call.Drained) != connecting)
        {
            await giveUp.CancelAsync();
        }

        var admission = await connecting;
        if (!call.IsDrained)
        {
            if (admission.Bot is { } bot)
            {
                call.Admitted(bot.Claim);
            }

            return admission;
        }

        if (admission.Bot is { } opened)
        {
            using (opened)
            {
                await WebSocketClosing.CloseAsync(opened.Socket, CloseCodes.GatewayShuttingDown, CloseCodes.GatewayShuttingDownReason, _options.CloseTimeout, time);
            }

            await claims.ReleaseAsync(opened.Claim);
        }

        return new Admission(null, StreamRefusals.Draining());
    }

    /// <summary>
    /// Claims and connects another bot for a call whose bot dropped: an instance other than <paramref name="dropped"/>
    /// when one has room, else that one again; the bot hop carries <c>X-Gateway-Reconnect</c>.
    /// </summary>
    public async Task<Admission> ReconnectAsync(RegisteredAgent agent, string sessionId, SessionBody? body, string dropped, int reconnect, CancellationToken giveUp)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var admission = await ConnectAsync(agent, sessionId, body, giveUp, dropped, reconnect);
        return admission.Refusal?.Code == StreamRefusals.NoCapacityCode && !giveUp.IsCancellationRequested
            ? await ConnectAsync(agent, sessionId, body, giveUp, avoid: null, reconnect)
            : admission;
    }

    private async Task<Admission> ConnectAsync(RegisteredAgent agent, string sessionId, SessionBody? body, CancellationToken giveUp, string? avoid = null, int reconnect = 0)
    {
        string credential;
        try
        {
            credential = credentials.Issue(sessionId);
        }
        catch (CryptographicException e)
        {
            // The key ring is not loaded and Redis does not answer: no bot may get a call it could not control.
            LogCredentialUnavailable(logger, sessionId, e.InnerException?.Message ?? e.Message);
            return Refused(StreamRefusals.CredentialUnavailable());
        }

        // Instances whose heartbeat registration lapsed take no calls; instances that refused this call are not retried.
        var excluded = agent.Resource.LapsedInstances(time.GetUtcNow());
        if (avoid is not null)
        {
            excluded.Add(avoid);
        }

        var headers = BotRequest.Headers(agent.Key, sessionId, credential, reconnect);
        var refusals = 0;
        using var budget = new CancellationTokenSource(_options.BotConnectBudget, time);
        using var budgetOrGiveUp = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, giveUp);
        while (true)
        {
            var claiming = time.GetTimestamp();
            var result = await claims.ClaimAsync(agent, sessionId, excluded, giveUp);
            telemetry.SetupStageTook(SetupStages.Claim, time.GetElapsedTime(claiming));
            if (result.Status == ClaimStatus.AgentAtLimit)
            {
                return Refused(StreamRefusals.AgentAtLimit(agent.Key.ServiceHost, agent.Resource.MaxConcurrentCalls));
            }

            if (result.Claim is not { } claim)
            {
                return Refused(refusals == 0 ? StreamRefusals.NoFreeInstance(agent.Key.ServiceHost) : StreamRefusals.BotUnreachable(agent.Key.ServiceHost));
            }

            using (var attempt = new CancellationTokenSource(_options.BotConnectTimeout, time))
            using (var attemptOrBudget = CancellationTokenSource.CreateLinkedTokenSource(attempt.Token, budgetOrGiveUp.Token))
            {
                try
                {
                    var socket = await DialAsync(claim, body, headers, attemptOrBudget.Token);
                    LogConnected(logger, sessionId, agent.Key, claim.Instance.Id, claim.IsLocal);
                    return new Admission(new BotLeg(socket, claim), null);
                }
                catch (OperationCanceledException) when (giveUp.IsCancellationRequested)
                {
                    // The call gave up on its bot (the caller left, or the drain window ended): the instance refused nothing.
                    LogAbandoned(logger, sessionId, agent.Key, claim.Instance.Id);
                    await claims.ReleaseAsync(claim);
                    return Refused(StreamRefusals.BotUnreachable(agent.Key.ServiceHost));
                }
                catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException)
                {
                    var status = e is BotHandshakeException { StatusCode: > 0 } refused ? refused.StatusCode.ToString(CultureInfo.InvariantCulture) : "none";
                    LogRefused(logger, sessionId, agent.Key, claim.Instance.Id, claim.Instance.Url.ToString(), status, e.Message);
                    await claims.ReleaseAsync(claim);
                    excluded.Add(claim.Instance.Id);
                    refusals++;
                }
            }

            if (budgetOrGiveUp.IsCancellationRequested)
            {
                return Refused(StreamRefusals.BotUnreachable(agent.Key.ServiceHost));
            }
        }
    }

    /// <summary>One connect to the claimed instance, timed whether it answers or not.</summary>
    private async Task<LegSocket> DialAsync(InstanceClaim claim, SessionBody? body, KeyValuePair<string, string>[] headers, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            return await dialer.DialAsync(BotRequest.Url(claim.Instance.Url, body), headers, cancellationToken);
        }
        finally
        {
            telemetry.SetupStageTook(SetupStages.BotConnect, time.GetElapsedTime(started));
        }
    }

    private static Admission Refused(Refusal refusal) => new(null, refusal);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Session {SessionId}: connected to instance {InstanceId} of {AgentKey} (local claim: {LocalClaim})")]
    private static partial void LogConnected(ILogger logger, string sessionId, AgentKey agentKey, string instanceId, bool localClaim);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Session {SessionId}: instance {InstanceId} of {AgentKey} at {InstanceUrl} refused the connection (HTTP status {HttpStatus}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string sessionId, AgentKey agentKey, string instanceId, string instanceUrl, string httpStatus, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Session {SessionId}: gave up connecting to instance {InstanceId} of {AgentKey}: the call ended first")]
    private static partial void LogAbandoned(ILogger logger, string sessionId, AgentKey agentKey, string instanceId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Session {SessionId}: no call-control credential can be signed ({Reason}); the call is refused")]
    private static partial void LogCredentialUnavailable(ILogger logger, string sessionId, string reason);
}
