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
    /// <param name="reconnect">The call's reconnect that this hop is (1, 2, …), sent as <c>X-Gateway-Reconnect</c>; 0 for its first bot.</param>
    public static KeyValuePair<string, string>[] Headers(AgentKey agent, string sessionId, string credential, int reconnect = 0)
    {
        KeyValuePair<string, string>[] headers =
        [
            new("X-Daily-Session-Id", sessionId),
            new("X-Gateway-Org", agent.Org),
            new("X-Gateway-Agent", agent.Agent),
            new(SessionCredentials.HeaderName, credential),
        ];
        return reconnect == 0 ? headers : [.. headers, new(ReconnectHeader, reconnect.ToString(System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>Tells a bot that it takes over a call whose earlier bot dropped, and which reconnect this is.</summary>
    public const string ReconnectHeader = "X-Gateway-Reconnect";
}
