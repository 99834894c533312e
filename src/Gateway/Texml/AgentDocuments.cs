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
/// The answer for a call to an enabled agent: its TeXML document, streaming to this gateway's ingress with the body
/// (the agent's and the request's fields, within the limits ingress applies) and, for an agent that takes only signed
/// streams, a token bound to the call. <see cref="UnknownNumber"/> is the answer when there is no such agent.
/// </summary>
public sealed class AgentDocuments(
    StreamTokens streamTokens,
    IOptions<TexmlOptions> texmlOptions,
    IOptions<GatewayOptions> gatewayOptions,
    IOptions<IngressOptions> ingressOptions,
    ILogger<TexmlHandler> logger)
{
    private readonly string? _configuredStreamUrl = gatewayOptions.Value.PublicBaseUrl is { } publicBaseUrl ? StreamUrls.FromPublicBaseUrl(publicBaseUrl) : null;
    private readonly int _bodyMaxBytes = ingressOptions.Value.BodyMaxBytes;

    /// <summary><c>Texml:UnknownNumberResponse</c>, for a number or agent that takes no calls.</summary>
    public TexmlAnswer UnknownNumber { get; } = new(Encoding.UTF8.GetBytes(texmlOptions.Value.UnknownNumberResponse));

    /// <returns>The agent's document; a refusal only when a stream token is needed and cannot be signed.</returns>
    public IResult For(HttpRequest httpRequest, TexmlRequest request, RegisteredAgent agent)
    {
        ArgumentNullException.ThrowIfNull(httpRequest);
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(agent);
        var resource = agent.Resource;

        // The ingress refuses a body over either limit, so one over either is never sent.
        var limit = Math.Min(resource.BodyMaxBytes, _bodyMaxBytes);
        var body = TexmlBody.Compose(resource.Texml, request.Field, limit);
        if (body.FieldsDroppedJsonBytes is { } withFields)
        {
            TexmlLog.BodyFieldsDropped(logger, agent.Key, withFields, limit);
        }

        if (body.OmittedJsonBytes is { } staticOnly)
        {
            TexmlLog.BodyOmitted(logger, agent.Key, staticOnly, limit);
        }

        var callSid = request.Field("CallSid");
        var url = StreamUrls.For(_configuredStreamUrl ?? StreamUrls.FromFetch(httpRequest, gatewayOptions.Value.MediaPort), agent.Key, body.Base64);
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
                TexmlLog.TokenUnavailable(logger, agent.Key, e.Message);
                return TexmlRefusals.TokenUnavailable();
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
            TexmlLog.DocumentFailed(logger, agent.Key, e.Message);
            return UnknownNumber;
        }

        TexmlLog.Answered(logger, agent.Key, new RequestValue(callSid), body.JsonBytes, resource.StreamAuth == StreamAuthMode.Token);
        return new TexmlAnswer(Encoding.UTF8.GetBytes(document));
    }
}
