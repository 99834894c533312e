using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Sessions;
using Gateway.Telnyx;
using Gateway.Tenants;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>
/// An agent's <c>onBotFailure</c>: when its bot drops a live call abnormally, hang the phone call up or transfer it,
/// so the caller does not sit in silence (a dialed-out call has no TeXML verbs to fall through to).
/// </summary>
public sealed partial class BotFailureActions(ITenantSettingsStore tenants, IHttpClientFactory httpClients, IOptions<TelnyxOptions> telnyxOptions, ILogger<BotFailureActions> logger)
{
    /// <summary>The bot vanished, or closed with anything but a normal closure.</summary>
    public static bool IsBotFailure(RelayOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.End == CallEnd.BotLost || (outcome.End == CallEnd.BotClosed && outcome.CloseStatus != WebSocketCloseStatus.NormalClosure);
    }

    /// <summary>Runs the agent's action for a call whose bot failed. Never throws: the call is over either way.</summary>
    public async Task RunAsync(CallSession session, AgentResource agent, RelayOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(agent);
        var failure = agent.OnBotFailure;
        if (failure.Action == BotFailureMode.None || !IsBotFailure(outcome) || session.CallControlId is not { } callControlId)
        {
            return;
        }

        var (action, body) = failure.Action == BotFailureMode.Transfer
            ? ("transfer", new JsonObject { ["to"] = failure.TransferTo })
            : ("hangup", new JsonObject());
        try
        {
            if (telnyxOptions.Value.ApiKeyFor(await tenants.GetAsync(session.Org)) is not { } apiKey)
            {
                LogNoKey(logger, session.SessionId, action, session.Org);
                return;
            }

            // A client per use, not one held by this singleton: a held HttpClient would keep its first handler, and
            // with it the first DNS answer for Telnyx's API, for the life of the process.
            var telnyx = new TelnyxApiClient(httpClients.CreateClient(nameof(TelnyxApiClient)), telnyxOptions);
            var answer = await telnyx.PostAsync($"/v2/calls/{Uri.EscapeDataString(callControlId)}/actions/{action}", apiKey, body, CancellationToken.None);
            LogRan(logger, session.SessionId, action, callControlId, answer.StatusCode, answer.FirstError.Code);
        }
        // Redis's timeouts are TimeoutExceptions, not RedisExceptions; an unreadable key ring fails decrypting the key.
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or StackExchange.Redis.RedisException or TimeoutException
            or System.Security.Cryptography.CryptographicException)
        {
            LogFailed(logger, session.SessionId, action, callControlId, e.Message);
        }
    }

    [LoggerMessage(EventId = 11101, Level = LogLevel.Warning, Message = "Session {SessionId}: the bot failed; sent '{Action}' for {CallControlId}: Telnyx answered {Status} (code {TelnyxCode})")]
    private static partial void LogRan(ILogger logger, string sessionId, string action, string callControlId, int status, string? telnyxCode);

    [LoggerMessage(EventId = 11102, Level = LogLevel.Error, Message = "Session {SessionId}: the bot failed and '{Action}' for {CallControlId} could not be sent: {Reason}")]
    private static partial void LogFailed(ILogger logger, string sessionId, string action, string callControlId, string reason);

    [LoggerMessage(EventId = 11103, Level = LogLevel.Error, Message = "Session {SessionId}: the bot failed and '{Action}' was not sent: organization '{Org}' has no Telnyx API key")]
    private static partial void LogNoKey(ILogger logger, string sessionId, string action, string org);
}
