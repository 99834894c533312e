using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using Gateway.CallControl;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Credentials;
using Gateway.Ingress;
using Gateway.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Relay;

/// <summary>
/// Opens the bot hop of a call: claims the least-loaded instance with room, connects to it, and when an instance
/// refuses, releases it and tries the next one until the connect budget runs out.
/// </summary>
public sealed partial class BotConnector
{
    private readonly IInstanceClaims _claims;
    private readonly RelayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BotConnector> _logger;

    private readonly SessionCredentials _credentials;

    public BotConnector(IInstanceClaims claims, SessionCredentials credentials, IOptions<RelayOptions> options, TimeProvider time, ILogger<BotConnector> logger)
    {
        _credentials = credentials;
        ArgumentNullException.ThrowIfNull(options);
        _claims = claims;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public async Task<BotConnection> ConnectAsync(RegisteredAgent agent, string sessionId, SessionBody? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        // Instances whose heartbeat registration lapsed take no calls; instances that refused this call are not retried.
        var excluded = agent.Resource.LapsedInstances(_time.GetUtcNow());
        var refusals = 0;
        string credential;
        try
        {
            credential = _credentials.Issue(sessionId);
        }
        catch (CryptographicException e)
        {
            // The key ring is not loaded and Redis does not answer: no bot may get a call it could not control.
            LogCredentialUnavailable(_logger, sessionId, e.InnerException?.Message ?? e.Message);
            return BotConnection.Refused(StreamRefusals.CredentialUnavailable());
        }

        using var budget = new CancellationTokenSource(_options.BotConnectBudget, _time);
        using var budgetOrCaller = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, cancellationToken);
        while (true)
        {
            var result = await _claims.ClaimAsync(agent, sessionId, excluded, cancellationToken);
            if (result.Status == ClaimStatus.AgentAtLimit)
            {
                return BotConnection.Refused(StreamRefusals.AgentAtLimit(agent.Key.ServiceHost, agent.Resource.MaxConcurrentCalls));
            }

            if (result.Claim is not { } claim)
            {
                return BotConnection.Refused(refusals == 0
                    ? StreamRefusals.NoFreeInstance(agent.Key.ServiceHost)
                    : StreamRefusals.BotUnreachable(agent.Key.ServiceHost));
            }

            using (var attempt = new CancellationTokenSource(_options.BotConnectTimeout, _time))
            using (var attemptOrBudget = CancellationTokenSource.CreateLinkedTokenSource(attempt.Token, budgetOrCaller.Token))
            {
                try
                {
                    var socket = await BotHandshake.ConnectAsync(BotUri(claim.Instance.Url, body), BotHeaders(agent, sessionId, credential), _options, attemptOrBudget.Token);
                    LogConnected(_logger, sessionId, agent.Key, claim.Instance.Id, claim.IsLocal);
                    return BotConnection.Connected(socket, claim);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // The call gave up on its bot (the caller left, or the drain window ended): the instance refused nothing.
                    LogAbandoned(_logger, sessionId, agent.Key, claim.Instance.Id);
                    await _claims.ReleaseAsync(claim);
                    return BotConnection.Refused(StreamRefusals.BotUnreachable(agent.Key.ServiceHost));
                }
                catch (Exception e) when (e is IOException or SocketException or AuthenticationException or OperationCanceledException)
                {
                    var status = e is BotHandshakeException { StatusCode: > 0 } refusal ? refusal.StatusCode.ToString(CultureInfo.InvariantCulture) : "none";
                    LogRefused(_logger, sessionId, agent.Key, claim.Instance.Id, claim.Instance.Url.ToString(), status, e.Message);
                    await _claims.ReleaseAsync(claim);
                    excluded.Add(claim.Instance.Id);
                    refusals++;
                }
            }

            if (budgetOrCaller.IsCancellationRequested)
            {
                return BotConnection.Refused(StreamRefusals.BotUnreachable(agent.Key.ServiceHost));
            }
        }
    }

    /// <summary>The instance URL with the canonical body appended: <c>?body={padded standard base64, percent-encoded}</c>.</summary>
    internal static Uri BotUri(Uri instanceUrl, SessionBody? body)
    {
        if (body is null)
        {
            return instanceUrl;
        }

        var url = instanceUrl.AbsoluteUri;
        var separator = string.IsNullOrEmpty(instanceUrl.Query) ? '?' : '&';
        return new Uri(string.Concat(url, separator.ToString(), "body=", Uri.EscapeDataString(body.CanonicalBase64)));
    }

    // What Pipecat Cloud's base image reads, plus the tenant, so a bot serving several agents can tell them apart,
    // and the credential for its own call's Call Control actions through the gateway.
    // No Origin: a Pipecat transport with an allow-list refuses a connection whose Origin it does not know.
    private static KeyValuePair<string, string>[] BotHeaders(RegisteredAgent agent, string sessionId, string credential) =>
    [
        new("X-Daily-Session-Id", sessionId),
        new("X-Gateway-Org", agent.Key.Org),
        new("X-Gateway-Agent", agent.Key.Agent),
        new(SessionCredentials.HeaderName, credential),
    ];

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Session {SessionId}: connected to instance {InstanceId} of {AgentKey} (local claim: {LocalClaim})")]
    private static partial void LogConnected(ILogger logger, string sessionId, AgentKey agentKey, string instanceId, bool localClaim);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Session {SessionId}: instance {InstanceId} of {AgentKey} at {InstanceUrl} refused the connection (HTTP status {HttpStatus}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string sessionId, AgentKey agentKey, string instanceId, string instanceUrl, string httpStatus, string reason);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Session {SessionId}: gave up connecting to instance {InstanceId} of {AgentKey}: the call ended first")]
    private static partial void LogAbandoned(ILogger logger, string sessionId, AgentKey agentKey, string instanceId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Session {SessionId}: no call-control credential can be signed ({Reason}); the call is refused")]
    private static partial void LogCredentialUnavailable(ILogger logger, string sessionId, string reason);
}
