using System.Text.Json;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Credentials;
using Gateway.Telnyx;
using Gateway.Tenants;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.DialOut;

/// <summary>
/// Places an outbound call, in the order that keeps a refused one from ever reaching Telnyx: the request checked, the
/// agent found and willing to take the stream, the organization's Telnyx key and connection known, a bot instance
/// reserved; only then the dial (<see cref="TelnyxDialer"/>).
/// </summary>
internal sealed class DialOutService(
    IAgentRegistry registry,
    ITenantSettingsStore tenants,
    DialOutReservation reservations,
    StreamTokens streamTokens,
    TelnyxDialer dialer,
    IOptions<GatewayOptions> gatewayOptions,
    IOptions<TelnyxOptions> telnyxOptions,
    IOptions<IngressOptions> ingressOptions,
    TimeProvider time,
    ILogger<DialOutRequest> logger)
{
    public async Task<IResult> PlaceAsync(DialOutCall call)
    {
        if (!call.TryKey(out var key, out var refusal))
        {
            return refusal;
        }

        var context = call.Context;
        var (request, invalid) = await RequestJson.ReadAsync(context.Request, DialOutJsonContext.Default.DialOutRequest, context.RequestAborted, DialOutValidation.Validate);
        if (invalid is not null)
        {
            return invalid;
        }

        if (!registry.Current.TryGet(key, out var registered))
        {
            return AgentRoute.NotFound(key);
        }

        byte[]? body = request!.Body is { } element ? JsonSerializer.SerializeToUtf8Bytes(element, DialOutJsonContext.Default.JsonElement) : null;
        if (DialOutValidation.StreamRefusal(registered, body, ingressOptions.Value.BodyMaxBytes) is { } streamRefusal)
        {
            return streamRefusal;
        }

        TenantTelnyxSettings? settings;
        try
        {
            settings = await tenants.GetAsync(call.Org, context.RequestAborted);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or StackExchange.Redis.RedisTimeoutException or System.Security.Cryptography.CryptographicException)
        {
            // Nothing was dialed: the caller may simply try again once Redis is back.
            DialOutLog.SettingsUnavailable(logger, call.Org, e.Message);
            return new Refusal(StatusCodes.Status503ServiceUnavailable, "telnyx_settings_unavailable", "Telnyx settings unavailable",
                $"The call was not placed: organization '{call.Org}''s Telnyx settings could not be read; try again.");
        }

        if (telnyxOptions.Value.ApiKeyFor(settings) is not { } apiKey)
        {
            return Refusals.Conflict("telnyx_not_configured", $"Organization '{call.Org}' has no Telnyx API key (and the platform none): PUT /admin/v1/orgs/{call.Org}/telnyx first.");
        }

        var connectionId = request.ConnectionId ?? registered.Resource.ConnectionId ?? settings?.ConnectionId;
        if (connectionId is null)
        {
            return Refusals.Validation("connectionId", "is required: neither the agent nor the organization has a default Telnyx connection.");
        }

        var sessionId = SessionIds.New(time);
        var (reservation, full) = await reservations.ReserveAsync(registered, sessionId);
        if (full is not null)
        {
            return full;
        }

        var streamUrl = DialCommand.StreamUrl(gatewayOptions.Value.PublicBaseUrl, context.Request, key, body);
        var streamToken = streamTokens.Issue(key, callId: sessionId, sessionId: sessionId);
        var dial = DialCommand.Build(connectionId, request, streamUrl, registered.Resource.Texml, streamToken);
        return await dialer.DialAsync(apiKey, dial, reservation!, context.RequestAborted);
    }
}
