using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Credentials;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Texml;

/// <summary>
/// Answers Telnyx's TeXML fetches: <c>/texml/{org}/{agent}</c> for one agent, <c>/texml</c> routed by the called
/// number. A request that is verified and can be answered always gets a 200 TeXML document, the unknown-number one
/// included: Telnyx plays nothing for an error status but retries the failover URL, which would answer the same.
/// </summary>
public sealed partial class TexmlHandler(
    IAgentRegistry registry,
    StreamTokens streamTokens,
    WebhookKeys webhookKeys,
    TelnyxSignatureVerifier verifier,
    IOptions<TexmlOptions> texmlOptions,
    IOptions<GatewayOptions> gatewayOptions,
    IOptions<IngressOptions> ingressOptions,
    ILogger<TexmlHandler> logger)
{
    private const string XmlContentType = "application/xml; charset=utf-8";

    private readonly TexmlOptions _options = texmlOptions.Value;
    private readonly byte[] _unknownNumberDocument = Encoding.UTF8.GetBytes(texmlOptions.Value.UnknownNumberResponse);
    private readonly string? _configuredStreamUrl = gatewayOptions.Value.PublicBaseUrl is { } publicBaseUrl ? StreamUrls.FromPublicBaseUrl(publicBaseUrl) : null;
    private readonly int _bodyMaxBytes = ingressOptions.Value.BodyMaxBytes;

    /// <summary><c>GET|POST /texml/{org}/{agent}</c>.</summary>
    public async Task HandleAgentAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (request, refusal) = await TexmlRequest.ReadAsync(context, _options.RequestMaxBytes);
        if (request is null)
        {
            await RefuseAsync(context, refusal!);
            return;
        }

        // Names are matched case-insensitively, as in a serviceHost; a malformed one names no agent.
        var org = (context.Request.RouteValues["org"] as string ?? string.Empty).ToLowerInvariant();
        var name = (context.Request.RouteValues["agent"] as string ?? string.Empty).ToLowerInvariant();
        var valid = ResourceNames.IsValidOrg(org) && ResourceNames.IsValidAgent(name);
        var snapshot = registry.Current;
        RegisteredAgent? agent = null;
        var found = valid && snapshot.TryGet(new AgentKey(org, name), out agent);
        var key = await webhookKeys.ForAsync(valid ? org : null, known: found, context.RequestAborted);
        if (Verify(context, request, key, valid ? org : null) is { } unverified)
        {
            await RefuseAsync(context, unverified);
            return;
        }

        if (!snapshot.IsLoaded)
        {
            await RefuseAsync(context, TexmlRefusals.RegistryUnavailable());
            return;
        }

        if (!found || !agent!.Resource.Enabled)
        {
            LogUnknownAgent(logger, new RequestValue(org), new RequestValue(name), found ? "agent disabled" : "no such agent");
            await WriteDocumentAsync(context, _unknownNumberDocument);
            return;
        }

        await AnswerAgentAsync(context, request, agent);
    }

    /// <summary><c>GET|POST /texml</c>: routed by the called number, <c>To</c>.</summary>
    public async Task HandleNumberAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (request, refusal) = await TexmlRequest.ReadAsync(context, _options.RequestMaxBytes);
        if (request is null)
        {
            await RefuseAsync(context, refusal!);
            return;
        }

        var snapshot = registry.Current;
        if (!snapshot.IsLoaded)
        {
            await RefuseAsync(context, TexmlRefusals.RegistryUnavailable());
            return;
        }

        // The organization, and so the key, is known only once the number is routed; a number nobody owns is verified
        // with the platform key.
        var to = request.To;
        RegisteredAgent? agent = null;
        var routed = !string.IsNullOrEmpty(to) && snapshot.TryGetByPhoneNumber(to, out agent);
        var key = await webhookKeys.ForAsync(agent?.Key.Org, known: routed, context.RequestAborted);
        if (Verify(context, request, key, agent?.Key.Org) is { } unverified)
        {
            await RefuseAsync(context, unverified);
            return;
        }

        if (!routed || !agent!.Resource.Enabled)
        {
            if (routed)
            {
                LogNumberAgentDisabled(logger, new RequestValue(to), agent!.Key);
            }
            else
            {
                LogUnknownNumber(logger, new RequestValue(string.IsNullOrEmpty(to) ? null : to));
            }

            await WriteDocumentAsync(context, _unknownNumberDocument);
            return;
        }

        await AnswerAgentAsync(context, request, agent);
    }

    private async Task AnswerAgentAsync(HttpContext context, TexmlRequest request, RegisteredAgent agent)
    {
        var resource = agent.Resource;

        // The ingress refuses a body over either limit, so one over either is never sent.
        var limit = Math.Min(resource.BodyMaxBytes, _bodyMaxBytes);
        var body = TexmlBody.Compose(resource.Texml, request.Field, limit);
        if (body.FieldsDroppedJsonBytes is { } withFields)
        {
            LogBodyFieldsDropped(logger, agent.Key, withFields, limit);
        }

        if (body.OmittedJsonBytes is { } staticOnly)
        {
            LogBodyOmitted(logger, agent.Key, staticOnly, limit);
        }

        var callSid = request.Field("CallSid");
        var url = StreamUrls.For(_configuredStreamUrl ?? StreamUrls.FromRequest(context.Request), agent.Key, body.Base64);

        if (resource.StreamAuth == StreamAuthMode.Token)
        {
            string token;
            try
            {
                // Bound to the call when Telnyx names it, so the token opens one stream only.
                token = streamTokens.Issue(agent.Key, string.IsNullOrEmpty(callSid) ? null : callSid);
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException or CryptographicException or InvalidOperationException)
            {
                LogTokenUnavailable(logger, agent.Key, e.Message);
                await RefuseAsync(context, TexmlRefusals.TokenUnavailable());
                return;
            }

            url.Append("&token=").Append(Uri.EscapeDataString(token));
        }

        string document;
        try
        {
            document = TexmlDocument.Build(url.ToString(), resource.Texml);
        }
        catch (Exception e) when (e is ArgumentException or XmlException)
        {
            // Only settings that slipped past validation get here; the caller still gets TeXML, never a 500.
            LogDocumentFailed(logger, agent.Key, e.Message);
            await WriteDocumentAsync(context, _unknownNumberDocument);
            return;
        }

        LogAnswered(logger, agent.Key, new RequestValue(callSid), body.JsonBytes, resource.StreamAuth == StreamAuthMode.Token);
        await WriteDocumentAsync(context, Encoding.UTF8.GetBytes(document));
    }

    private Refusal? Verify(HttpContext context, TexmlRequest request, WebhookKey key, string? org)
    {
        if (!key.Available)
        {
            return TexmlRefusals.KeyUnavailable(org ?? string.Empty);
        }

        if (key.Key is null)
        {
            return null;
        }

        var headers = context.Request.Headers;
        var check = verifier.Verify(
            key.Key,
            headers[TelnyxSignatureVerifier.SignatureHeader].ToString(),
            headers[TelnyxSignatureVerifier.TimestampHeader].ToString(),
            request.RawBody);
        if (check == SignatureCheck.Valid)
        {
            return null;
        }

        var refusal = TexmlRefusals.Signature(check);
        LogSignatureRefused(logger, context.Request.Method, context.Request.Path, refusal.Code, context.Connection.RemoteIpAddress?.ToString());
        return refusal;
    }

    private static async Task WriteDocumentAsync(HttpContext context, byte[] document)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = XmlContentType;

        // A document may carry a stream token: no cache along the way may keep it or hand it to anyone else.
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = document.Length;
        await context.Response.Body.WriteAsync(document, context.RequestAborted);
    }

    private static Task RefuseAsync(HttpContext context, Refusal refusal) => refusal.ExecuteAsync(context);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "TeXML for {AgentKey}: CallSid {CallSid}, body {BodyBytes} bytes, stream token {WithToken}")]
    private static partial void LogAnswered(ILogger logger, AgentKey agentKey, RequestValue callSid, int bodyBytes, bool withToken);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "TeXML for agent {Org}/{Agent}: {Reason}; answered with Texml:UnknownNumberResponse")]
    private static partial void LogUnknownAgent(ILogger logger, RequestValue org, RequestValue agent, string reason);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Information, Message = "TeXML for number {To}: no agent owns it; answered with Texml:UnknownNumberResponse")]
    private static partial void LogUnknownNumber(ILogger logger, RequestValue to);

    [LoggerMessage(EventId = 9009, Level = LogLevel.Information, Message = "TeXML for number {To}: its agent {AgentKey} is disabled; answered with Texml:UnknownNumberResponse")]
    private static partial void LogNumberAgentDisabled(ILogger logger, RequestValue to, AgentKey agentKey);

    [LoggerMessage(EventId = 9004, Level = LogLevel.Warning, Message = "TeXML for {AgentKey}: the body with the request's fields is {Bytes} bytes of JSON, over the limit of {Limit}; the fields were left out")]
    private static partial void LogBodyFieldsDropped(ILogger logger, AgentKey agentKey, int bytes, int limit);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Warning, Message = "TeXML for {AgentKey}: the static body alone is {Bytes} bytes of JSON, over the limit of {Limit}; the stream carries no body")]
    private static partial void LogBodyOmitted(ILogger logger, AgentKey agentKey, int bytes, int limit);

    [LoggerMessage(EventId = 9006, Level = LogLevel.Warning, Message = "TeXML request {Method} {Path} refused ({Code}) from {RemoteAddress}")]
    private static partial void LogSignatureRefused(ILogger logger, string method, PathString path, string code, string? remoteAddress);

    [LoggerMessage(EventId = 9007, Level = LogLevel.Error, Message = "TeXML for {AgentKey}: no stream token could be signed ({Reason}); answered 503")]
    private static partial void LogTokenUnavailable(ILogger logger, AgentKey agentKey, string reason);

    [LoggerMessage(EventId = 9008, Level = LogLevel.Error, Message = "TeXML for {AgentKey}: its settings do not make a TeXML document ({Reason}); answered with Texml:UnknownNumberResponse")]
    private static partial void LogDocumentFailed(ILogger logger, AgentKey agentKey, string reason);
}
