using Gateway.Core;
using Gateway.Credentials;
using Gateway.Ingress;

namespace Gateway.Calls;

/// <summary>What the bot hop's upgrade request carries: Pipecat Cloud's contract, plus the gateway's own headers.</summary>
public static class BotRequest
{
    /// <summary>The instance URL with the canonical body appended: <c>?body={padded standard base64, percent-encoded}</c>.</summary>
    public static Uri Url(Uri instanceUrl, SessionBody? body)
    {
        ArgumentNullException.ThrowIfNull(instanceUrl);
        if (body is null)
        {
            return instanceUrl;
        }

        var url = instanceUrl.AbsoluteUri;
        var separator = string.IsNullOrEmpty(instanceUrl.Query) ? '?' : '&';
        return new Uri(string.Concat(url, separator.ToString(), "body=", Uri.EscapeDataString(body.CanonicalBase64)));
    }

    /// <summary>
    /// What Pipecat Cloud's base image reads, plus the tenant, so a bot serving several agents can tell them apart,
    /// and the credential for its own call's Call Control actions through the gateway. No Origin: a Pipecat transport
    /// with an allow-list refuses a connection whose Origin it does not know.
    /// </summary>
    public static KeyValuePair<string, string>[] Headers(AgentKey agent, string sessionId, string credential) =>
    [
        new("X-Daily-Session-Id", sessionId),
        new("X-Gateway-Org", agent.Org),
        new("X-Gateway-Agent", agent.Agent),
        new(SessionCredentials.HeaderName, credential),
    ];
}
