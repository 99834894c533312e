using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.StreamAuth;
using Gateway.Telnyx;
using Gateway.Tenants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.DialOut;

/// <summary>
/// <c>POST /v1/orgs/{org}/agents/{agent}/calls</c>: places an outbound call through Telnyx with the organization's
/// key, its media stream pointing back at this gateway with a single-use token bound to the call, so the callee
/// reaches the agent's bot with the body given here. No call is placed that the agent's bots could not take.
/// </summary>
internal static partial class DialOutEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGroup("/v1/orgs/{org}")
            .RequireAuthorization()
            .AddEndpointFilter<OrgAccessFilter>()
            .WithTags("dial-out")
            .MapPost("/agents/{agent}/calls", DialAsync)
            .Accepts<DialOutRequest>("application/json")
            .Produces<DialOutResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout)
            .WithSummary("Places an outbound call whose media stream reaches the agent's bot.");
    }

    private static async Task<IResult> DialAsync(
        string org,
        string agent,
        HttpContext context,
        IAgentRegistry registry,
        IInstanceClaims claims,
        ITenantSettingsStore tenants,
        StreamTokens streamTokens,
        TelnyxApiClient telnyx,
        IOptions<GatewayOptions> gatewayOptions,
        IOptions<TelnyxOptions> telnyxOptions,
        IOptions<StreamTokenOptions> tokenOptions,
        IOptions<IngressOptions> ingressOptions,
        TimeProvider time,
        ILogger<DialOutRequest> logger)
    {
        if (!AgentRoute.TryKey(org, agent, out var key, out var problem))
        {
            return problem;
        }

        var (request, invalid) = await RequestJson.ReadAsync(context.Request, DialOutJsonContext.Default.DialOutRequest, context.RequestAborted);
        if (invalid is not null)
        {
            return invalid;
        }

        var errors = Validate(request!);
        if (errors.Count > 0)
        {
            return Refusals.Validation(errors);
        }

        if (!registry.Current.TryGet(key, out var registered))
        {
            return AgentRoute.NotFound(key);
        }

        byte[]? body = request!.Body is { } element ? JsonSerializer.SerializeToUtf8Bytes(element, DialOutJsonContext.Default.JsonElement) : null;
        if (Refusal(registered, body, ingressOptions.Value.BodyMaxBytes) is { } refusal)
        {
            return Problem(refusal);
        }

        TenantTelnyxSettings? settings;
        try
        {
            settings = await tenants.GetAsync(org, context.RequestAborted);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or StackExchange.Redis.RedisTimeoutException or System.Security.Cryptography.CryptographicException)
        {
            // Nothing was dialed: the caller may simply try again once Redis is back.
            LogSettingsUnavailable(logger, org, e.Message);
            return new Refusal(StatusCodes.Status503ServiceUnavailable, "telnyx_settings_unavailable", "Telnyx settings unavailable",
                $"The call was not placed: organization '{org}''s Telnyx settings could not be read; try again.");
        }

        if (telnyxOptions.Value.ApiKeyFor(settings) is not { } apiKey)
        {
            return Refusals.Conflict("telnyx_not_configured", $"Organization '{org}' has no Telnyx API key (and the platform none): PUT /admin/v1/orgs/{org}/telnyx first.");
        }

        var connectionId = request.ConnectionId ?? registered.Resource.ConnectionId ?? settings?.ConnectionId;
        if (connectionId is null)
        {
            return Refusals.Validation("connectionId", "is required: neither the agent nor the organization has a default Telnyx connection.");
        }

        var sessionId = Guid.CreateVersion7(time.GetUtcNow()).ToString();
        // The call's instance is held from now: a callee who answers must find a bot, whatever inbound calls arrive while
        // the phone rings. The stream claims it on arrival; unanswered, it lapses with the stream token.
        var (reservation, full) = await ReserveAsync(registered, sessionId, claims, tokenOptions.Value.Lifetime, time);
        if (full is not null)
        {
            return Problem(full);
        }

        var streamUrl = StreamUrl(gatewayOptions.Value.PublicBaseUrl, context.Request, key, body);
        var texml = registered.Resource.Texml;
        var dial = new JsonObject
        {
            ["connection_id"] = connectionId,
            ["to"] = request.To,
            ["from"] = request.From,
            ["stream_url"] = streamUrl,
            ["stream_track"] = texml.Track,
            ["stream_bidirectional_mode"] = "rtp",
            ["stream_bidirectional_codec"] = texml.BidirectionalCodec,
            ["stream_bidirectional_sampling_rate"] = texml.BidirectionalSamplingRate,
            ["stream_auth_token"] = streamTokens.Issue(key, callId: sessionId, sessionId: sessionId),
        };
        if (texml.Codec != "default")
        {
            dial["stream_codec"] = texml.Codec;
        }

        TelnyxApiResponse answer;
        try
        {
            answer = await telnyx.PostAsync("/v2/calls", apiKey, dial, context.RequestAborted);
        }
        catch (HttpRequestException e)
        {
            LogTelnyxUnreachable(logger, sessionId, key, e.Message);
            await claims.ReleaseAsync(reservation!);
            return new Refusal(StatusCodes.Status502BadGateway, "telnyx_unreachable", "Telnyx unreachable", "The call was not placed: Telnyx's API could not be reached.");
        }
        catch (TaskCanceledException e) when (!context.RequestAborted.IsCancellationRequested)
        {
            // HttpClient's timeout, not the caller leaving: Telnyx may have placed the call without answering in time,
            // so say so rather than "not placed" (its stream, if it comes, still reaches the bot with this session id).
            LogTelnyxUnreachable(logger, sessionId, key, e.Message);
            return new Refusal(StatusCodes.Status504GatewayTimeout, "telnyx_timeout", "Telnyx did not answer",
                $"Telnyx's API did not answer in time; the call may or may not have been placed (session {sessionId}).");
        }

        if (!answer.IsSuccess)
        {
            var (code, _, detail) = answer.FirstError;
            LogTelnyxRefused(logger, sessionId, key, answer.StatusCode, code, detail);
            await claims.ReleaseAsync(reservation!);
            return TelnyxRefusals.From(answer);
        }

        var data = answer.Body?["data"];
        var placed = new DialOutResponse(data?["call_control_id"]?.ToString(), data?["call_session_id"]?.ToString(), data?["call_leg_id"]?.ToString(), sessionId);
        LogDialed(logger, sessionId, key, placed.CallControlId);
        return TypedResults.Json(placed, DialOutJsonContext.Default.DialOutResponse, statusCode: StatusCodes.Status201Created);
    }

    private static Dictionary<string, string[]> Validate(DialOutRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!ResourceNames.IsValidPhoneNumber(request.To))
        {
            errors["to"] = ["must be " + ResourceNames.PhoneNumberRule];
        }

        if (!ResourceNames.IsValidPhoneNumber(request.From))
        {
            errors["from"] = ["must be " + ResourceNames.PhoneNumberRule];
        }

        if (request.Body is { ValueKind: not JsonValueKind.Object })
        {
            errors["body"] = ["must be a JSON object."];
        }

        if (request.ConnectionId is not null && !ResourceNames.IsValidConnectionId(request.ConnectionId))
        {
            errors["connectionId"] = ["must be " + ResourceNames.ConnectionIdRule];
        }

        return errors;
    }

    /// <remarks>
    /// The body limit is the one ingress applies when the stream arrives, the agent's and the gateway's
    /// (<c>Ingress:BodyMaxBytes</c>) alike: a call whose stream ingress would refuse is never placed.
    /// </remarks>
    private static Refusal? Refusal(RegisteredAgent agent, byte[]? body, int gatewayBodyMaxBytes)
    {
        if (!agent.Resource.Enabled)
        {
            return StreamRefusals.AgentDisabled(agent.Key.ServiceHost);
        }

        var limit = Math.Min(agent.Resource.BodyMaxBytes, gatewayBodyMaxBytes);
        return body is not null && body.Length > limit
            ? StreamRefusals.InvalidBody($"body is {body.Length} bytes of JSON; agent '{agent.Key.ServiceHost}' takes at most {limit}.")
            : null;
    }

    private static async Task<(InstanceClaim? Reservation, Refusal? Refusal)> ReserveAsync(
        RegisteredAgent agent, string sessionId, IInstanceClaims claims, TimeSpan hold, TimeProvider time)
    {
        var reserved = await claims.ReserveAsync(agent, sessionId, agent.Resource.LapsedInstances(time.GetUtcNow()), hold, CancellationToken.None);
        if (reserved.Claim is { } claim)
        {
            return (claim, null);
        }

        return (null, reserved.Status == ClaimStatus.AgentAtLimit
            ? StreamRefusals.AgentAtLimit(agent.Key.ServiceHost, agent.Resource.MaxConcurrentCalls)
            : StreamRefusals.NoFreeInstance(agent.Key.ServiceHost));
    }

    private static string StreamUrl(Uri? publicBaseUrl, HttpRequest request, AgentKey key, byte[]? body)
    {
        var ingress = publicBaseUrl is null ? StreamUrls.FromRequest(request) : StreamUrls.FromPublicBaseUrl(publicBaseUrl);
        return StreamUrls.For(ingress, key, body is null ? null : Convert.ToBase64String(body)).ToString();
    }

    private static Refusal Problem(Refusal rejection) => new Refusal(rejection.Status, rejection.Code, rejection.Title, rejection.Detail);

    [LoggerMessage(EventId = 10001, Level = LogLevel.Information, Message = "Session {SessionId}: dialed out for {AgentKey}, call_control_id {CallControlId}")]
    private static partial void LogDialed(ILogger logger, string sessionId, AgentKey agentKey, string? callControlId);

    [LoggerMessage(EventId = 10002, Level = LogLevel.Warning, Message = "Session {SessionId}: Telnyx refused the outbound call for {AgentKey}: HTTP {Status}, code {TelnyxCode}: {Detail}")]
    private static partial void LogTelnyxRefused(ILogger logger, string sessionId, AgentKey agentKey, int status, string? telnyxCode, string? detail);

    [LoggerMessage(EventId = 10004, Level = LogLevel.Warning, Message = "Dial-out for organization {Org} refused: its Telnyx settings could not be read: {Reason}")]
    private static partial void LogSettingsUnavailable(ILogger logger, string org, string reason);

    [LoggerMessage(EventId = 10003, Level = LogLevel.Warning, Message = "Session {SessionId}: Telnyx unreachable for an outbound call of {AgentKey}: {Reason}")]
    private static partial void LogTelnyxUnreachable(ILogger logger, string sessionId, AgentKey agentKey, string reason);
}
