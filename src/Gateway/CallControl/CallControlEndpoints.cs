using System.Net;
using System.Security.Cryptography;
using Gateway.Calls;
using Gateway.Core;
using Gateway.Credentials;
using Gateway.Registry;
using Gateway.Sessions;
using Gateway.Telnyx;
using Gateway.Tenants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.CallControl;

/// <summary>
/// <c>POST /v2/calls/{call_control_id}/actions/{action}</c>, Telnyx's own path: a bot whose Telnyx base URL is this
/// gateway and whose API key is its session credential controls its own call, and only that. The gateway checks the
/// call is the bot's live session and the action is allowed for its agent, then forwards the request untouched but
/// for the credential, swapped for the tenant's Telnyx key, and returns Telnyx's answer as is. A refused request
/// never reaches Telnyx.
/// </summary>
internal static partial class CallControlEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost("/v2/calls/{callControlId}/actions/{action}", ForwardAsync)
            .WithTags("call-control")
            .ExcludeFromDescription();

    private static async Task ForwardAsync(
        string callControlId,
        string action,
        HttpContext context,
        SessionCredentials credentials,
        ISessionStore sessions,
        IAgentRegistry registry,
        ITenantSettingsStore tenants,
        LiveCalls liveCalls,
        CallControlForwarder forwarder,
        IOptions<TelnyxOptions> telnyxOptions,
        ILogger<SessionCredentials> logger)
    {
        var credential = BearerToken(context.Request);
        if (credentials.TryRead(credential) is not { } sessionId)
        {
            await new Refusal((int)HttpStatusCode.Unauthorized, "gateway_unauthorized", "Authentication failed",
                $"Send the call's session credential (the bot hop's {SessionCredentials.HeaderName} header) as the bearer token.").ExecuteAsync(context);
            return;
        }

        CallSession? session;
        try
        {
            // A call this replica relays is known here before its record is written (the record is written beside
            // the relay, so a bot quick off the mark could otherwise find no session yet); other replicas' calls are
            // found in the store.
            session = LocalSession(liveCalls, sessionId) ?? await sessions.GetAsync(sessionId, context.RequestAborted);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            await StoreUnavailableAsync(context, logger, sessionId, callControlId, action, e);
            return;
        }

        // A call that ended and another session's call look the same: there is no such call for this credential.
        if (session is null || !string.Equals(session.CallControlId, callControlId, StringComparison.Ordinal)
            || !registry.Current.TryGet(new AgentKey(session.Org, session.Agent), out var agent))
        {
            LogRefused(logger, sessionId, callControlId, action, "not a live call of this session");
            await new Refusal((int)HttpStatusCode.NotFound, "gateway_call_not_found", "Call not found",
                "This credential's session has no live call with that call_control_id.").ExecuteAsync(context);
            return;
        }

        if (!agent.Resource.AllowedActions.Contains(action, StringComparer.Ordinal))
        {
            LogRefused(logger, sessionId, callControlId, action, "action not allowed for the agent");
            await new Refusal((int)HttpStatusCode.Forbidden, "gateway_action_not_allowed", "Action not allowed",
                $"Agent '{agent.Key.ServiceHost}' may not use '{action}'; allowed: {string.Join(", ", agent.Resource.AllowedActions)}.").ExecuteAsync(context);
            return;
        }

        TenantTelnyxSettings? settings;
        try
        {
            settings = await tenants.GetAsync(session.Org, context.RequestAborted);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            await StoreUnavailableAsync(context, logger, sessionId, callControlId, action, e);
            return;
        }

        if (telnyxOptions.Value.ApiKeyFor(settings) is not { } apiKey)
        {
            LogRefused(logger, sessionId, callControlId, action, "the organization has no Telnyx API key");
            await new Refusal((int)HttpStatusCode.Forbidden, "gateway_telnyx_not_configured", "Telnyx not configured",
                $"Organization '{session.Org}' has no Telnyx API key in the gateway.").ExecuteAsync(context);
            return;
        }

        LogForwarding(logger, sessionId, callControlId, action);
        await forwarder.ForwardAsync(context, apiKey, sessionId);
    }

    private static CallSession? LocalSession(LiveCalls liveCalls, string sessionId) =>
        liveCalls.Snapshot().Select(call => call.Session).FirstOrDefault(session => string.Equals(session?.SessionId, sessionId, StringComparison.Ordinal));

    private static bool IsStoreFailure(Exception e) => e is RedisException or RedisTimeoutException or CryptographicException;

    /// <summary>Redis unreachable (or the key ring unreadable): the call may well be live, so not a 404 but a retry later.</summary>
    private static async Task StoreUnavailableAsync(HttpContext context, ILogger logger, string sessionId, string callControlId, string action, Exception e)
    {
        LogRefused(logger, sessionId, callControlId, action, "the gateway's store is unavailable: " + e.Message);
        await new Refusal((int)HttpStatusCode.ServiceUnavailable, "gateway_unavailable", "Gateway unavailable",
            "The gateway could not read the call's session or its organization's Telnyx settings; try again.").ExecuteAsync(context);
    }

    private static string? BearerToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        return authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? authorization["Bearer ".Length..].Trim() : null;
    }

    [LoggerMessage(EventId = 11001, Level = LogLevel.Information, Message = "Session {SessionId}: call control '{Action}' on {CallControlId} forwarded to Telnyx")]
    private static partial void LogForwarding(ILogger logger, string sessionId, string callControlId, string action);

    [LoggerMessage(EventId = 11002, Level = LogLevel.Warning, Message = "Session {SessionId}: call control '{Action}' on {CallControlId} refused: {Reason}")]
    private static partial void LogRefused(ILogger logger, string sessionId, string callControlId, string action, string reason);
}
