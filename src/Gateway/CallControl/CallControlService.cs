using System.Security.Cryptography;
using Gateway.Calls;
using Gateway.Core;
using Gateway.Credentials;
using Gateway.Registry;
using Gateway.Sessions;
using Gateway.Telnyx;
using Gateway.Tenants;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.CallControl;

/// <summary>
/// Checks a bot's call-control request before anything reaches Telnyx: the credential names a session, the session
/// is a live call with that call_control_id, its agent allows the action, its organization has a Telnyx key. Then the
/// request goes on with that key (<see cref="CallControlForwarder"/>).
/// </summary>
/// <remarks>Logs under the category <c>Gateway.CallControl.SessionCredentials</c>, as call control always has.</remarks>
internal sealed partial class CallControlService(
    SessionCredentials credentials,
    ISessionStore sessions,
    IAgentRegistry registry,
    ITenantSettingsStore tenants,
    LiveCalls liveCalls,
    CallControlForwarder forwarder,
    IOptions<TelnyxOptions> telnyxOptions,
    ILogger<CallControlService> logger)
{
    public async Task ForwardAsync(CallControlCommand command)
    {
        var (callControlId, action, context) = command;
        if (credentials.TryRead(BearerToken(context.Request)) is not { } sessionId)
        {
            await CallControlRefusals.Unauthorized().ExecuteAsync(context);
            return;
        }

        CallSession? session;
        try
        {
            // A call this replica relays is known here before its record is written (the record is written beside
            // the relay, so a bot quick off the mark could otherwise find no session yet); other replicas' calls are
            // found in the store.
            session = LocalSession(sessionId) ?? await sessions.GetAsync(sessionId, context.RequestAborted);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            await StoreUnavailableAsync(command, sessionId, e);
            return;
        }

        // A call that ended and another session's call look the same: there is no such call for this credential.
        if (session is null || !string.Equals(session.CallControlId, callControlId, StringComparison.Ordinal)
            || !registry.Current.TryGet(new AgentKey(session.Org, session.Agent), out var agent))
        {
            LogRefused(logger, sessionId, callControlId, action, "not a live call of this session");
            await CallControlRefusals.CallNotFound().ExecuteAsync(context);
            return;
        }

        if (!agent.Resource.AllowedActions.Contains(action, StringComparer.Ordinal))
        {
            LogRefused(logger, sessionId, callControlId, action, "action not allowed for the agent");
            await CallControlRefusals.ActionNotAllowed(agent.Key.ServiceHost, action, agent.Resource.AllowedActions).ExecuteAsync(context);
            return;
        }

        TenantTelnyxSettings? settings;
        try
        {
            settings = await tenants.GetAsync(session.Org, context.RequestAborted);
        }
        catch (Exception e) when (IsStoreFailure(e))
        {
            await StoreUnavailableAsync(command, sessionId, e);
            return;
        }

        if (telnyxOptions.Value.ApiKeyFor(settings) is not { } apiKey)
        {
            LogRefused(logger, sessionId, callControlId, action, "the organization has no Telnyx API key");
            await CallControlRefusals.TelnyxNotConfigured(session.Org).ExecuteAsync(context);
            return;
        }

        // A key no HTTP header carries would fail inside the forwarder, which could only call that unreachable.
        if (!TelnyxOptions.IsSendableApiKey(apiKey))
        {
            LogRefused(logger, sessionId, callControlId, action, "the organization's Telnyx API key cannot travel in an HTTP header");
            await CallControlRefusals.TelnyxRequestNotSent(session.Org).ExecuteAsync(context);
            return;
        }

        LogForwarding(logger, sessionId, callControlId, action);
        await forwarder.ForwardAsync(context, apiKey, sessionId);
    }

    private CallSession? LocalSession(string sessionId) => liveCalls.TryGet(sessionId, out var call) ? call.Session : null;

    private static bool IsStoreFailure(Exception e) => e is RedisException or RedisTimeoutException or CryptographicException;

    private async Task StoreUnavailableAsync(CallControlCommand command, string sessionId, Exception e)
    {
        LogRefused(logger, sessionId, command.CallControlId, command.Action, "the gateway's store is unavailable: " + e.Message);
        await CallControlRefusals.Unavailable().ExecuteAsync(command.Context);
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
