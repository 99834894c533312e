using System.Net.WebSockets;
using Gateway.Claims;
using Gateway.Ingress;
using Gateway.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Relay;

/// <summary>
/// Opens the bot hop of a call: claims the least-loaded instance with room, connects to it, and when an instance
/// refuses, releases it and tries the next one until the connect budget runs out.
/// </summary>
public sealed partial class BotConnector : IDisposable
{
    private readonly IInstanceClaims _claims;
    private readonly RelayOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<BotConnector> _logger;

    // One handler for every bot connection: WebSocket upgrades leave its pool, but the handler's settings and
    // resolver are shared instead of built per call.
    private readonly HttpMessageInvoker _invoker;

    public BotConnector(IInstanceClaims claims, IOptions<RelayOptions> options, TimeProvider time, ILogger<BotConnector> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _claims = claims;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
            ConnectTimeout = _options.BotConnectTimeout,
        });
    }

    public async Task<BotConnection> ConnectAsync(RegisteredAgent agent, string sessionId, SessionBody? body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var refused = new HashSet<string>(StringComparer.Ordinal);
        using var budget = new CancellationTokenSource(_options.BotConnectBudget, _time);
        using var budgetOrCaller = CancellationTokenSource.CreateLinkedTokenSource(budget.Token, cancellationToken);
        while (true)
        {
            var result = await _claims.ClaimAsync(agent, sessionId, refused, cancellationToken);
            if (result.Status == ClaimStatus.AgentAtLimit)
            {
                return BotConnection.Refused(CallRejection.AgentAtLimit(agent.Key.ServiceHost, agent.Resource.MaxConcurrentCalls));
            }

            if (result.Claim is not { } claim)
            {
                return BotConnection.Refused(refused.Count == 0
                    ? CallRejection.NoFreeInstance(agent.Key.ServiceHost)
                    : CallRejection.BotUnreachable(agent.Key.ServiceHost));
            }

            var socket = CreateSocket(agent, sessionId);
            using (var attempt = new CancellationTokenSource(_options.BotConnectTimeout, _time))
            using (var attemptOrBudget = CancellationTokenSource.CreateLinkedTokenSource(attempt.Token, budgetOrCaller.Token))
            {
                try
                {
                    await socket.ConnectAsync(BotUri(claim.Instance.Url, body), _invoker, attemptOrBudget.Token);
                    LogConnected(_logger, sessionId, agent.Key, claim.Instance.Id, claim.IsLocal);
                    return BotConnection.Connected(socket, claim);
                }
                catch (Exception e) when (e is WebSocketException or OperationCanceledException or HttpRequestException)
                {
                    var status = socket.HttpStatusCode == 0 ? "none" : ((int)socket.HttpStatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    LogRefused(_logger, sessionId, agent.Key, claim.Instance.Id, claim.Instance.Url.ToString(), status, e.Message);
                    socket.Dispose();
                    await _claims.ReleaseAsync(claim);
                    refused.Add(claim.Instance.Id);
                }
            }

            if (budgetOrCaller.IsCancellationRequested)
            {
                return BotConnection.Refused(CallRejection.BotUnreachable(agent.Key.ServiceHost));
            }
        }
    }

    public void Dispose() => _invoker.Dispose();

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

    private ClientWebSocket CreateSocket(RegisteredAgent agent, string sessionId)
    {
        var socket = new ClientWebSocket();
        var options = socket.Options;

        // What Pipecat Cloud's base image reads, plus the tenant, so a bot serving several agents can tell them apart.
        // No Origin: a Pipecat transport with an allow-list refuses a connection whose Origin it does not know.
        options.SetRequestHeader("X-Daily-Session-Id", sessionId);
        options.SetRequestHeader("X-Gateway-Org", agent.Key.Org);
        options.SetRequestHeader("X-Gateway-Agent", agent.Key.Agent);
        options.KeepAliveInterval = _options.KeepAliveInterval;
        if (_options.KeepAliveInterval > TimeSpan.Zero)
        {
            options.KeepAliveTimeout = _options.KeepAliveTimeout;
        }

        options.CollectHttpResponseDetails = true;
        return socket;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "Session {SessionId}: connected to instance {InstanceId} of {AgentKey} (local claim: {LocalClaim})")]
    private static partial void LogConnected(ILogger logger, string sessionId, AgentKey agentKey, string instanceId, bool localClaim);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Session {SessionId}: instance {InstanceId} of {AgentKey} at {InstanceUrl} refused the connection (HTTP status {HttpStatus}): {Reason}")]
    private static partial void LogRefused(ILogger logger, string sessionId, AgentKey agentKey, string instanceId, string instanceUrl, string httpStatus, string reason);
}
