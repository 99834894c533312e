using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Gateway.Ingress;

/// <summary>
/// Where Telnyx is told to open a call's media stream, by a TeXML document or a dial-out request: this gateway's
/// <c>/ws/telnyx</c>, as <c>wss://</c>, routed by <c>serviceHost</c>. The ingress's side of the contract, so it lives here.
/// </summary>
public static class StreamUrls
{
    private const string IngressPath = "/ws/telnyx";

    /// <summary>
    /// The stream URL for a configured <c>Gateway:PublicBaseUrl</c>: its scheme becomes <c>wss</c> (Telnyx reaches the
    /// gateway through TLS whatever the operator wrote), a port other than the scheme's default is kept, and so is a path
    /// prefix (a gateway behind a path-routing ingress), e.g. <c>https://voice.example.com/gw</c> →
    /// <c>wss://voice.example.com/gw/ws/telnyx</c>.
    /// </summary>
    public static string FromPublicBaseUrl(Uri publicBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        var url = new StringBuilder("wss://");
        url.Append(publicBaseUrl.HostNameType == UriHostNameType.IPv6 ? $"[{publicBaseUrl.IdnHost}]" : publicBaseUrl.IdnHost);
        if (!publicBaseUrl.IsDefaultPort && publicBaseUrl.Port != 443)
        {
            url.Append(':').Append(publicBaseUrl.Port.ToString(CultureInfo.InvariantCulture));
        }

        url.Append(publicBaseUrl.AbsolutePath.TrimEnd('/')).Append(IngressPath);
        return url.ToString();
    }

    /// <summary>No public base URL configured: the Host the request arrived with, which is what Telnyx dialled.</summary>
    public static string FromRequest(HttpRequest request) => "wss://" + HostOf(request) + IngressPath;

    /// <summary>
    /// No public base URL configured, for a TeXML fetch: the Host it arrived with, and <c>ws://</c> when the fetch itself
    /// came over plain HTTP with no proxy saying otherwise, so that a local gateway's document streams to where it
    /// answers. TLS on the connection, or a proxy's <c>X-Forwarded-Proto</c> or <c>Forwarded: proto=</c> (a proxy in
    /// front), keeps the stream on the way the fetch came: <c>wss://</c> for https, through the same host and port.
    /// Dial-out never uses it: its request comes from the tenant's backend, not from Telnyx, so its scheme says nothing of
    /// how Telnyx reaches the gateway.
    /// </summary>
    /// <param name="mediaPort">The gateway's media listener (<c>Gateway:MediaPort</c>): a fetch that reached the gateway
    /// straight (plain HTTP, no proxy's word) streams to it, as <c>ws://</c> on the fetch's host, since that listener
    /// speaks plain WebSocket. A fetch through a proxy streams through the proxy, which routes <c>/ws/telnyx</c> to the
    /// media port itself (the chart's Ingress and HTTPRoute do): the media port is not the proxy's to expose.</param>
    public static string FromFetch(HttpRequest request, int? mediaPort = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var proxied = ForwardedProto(request);
        if (mediaPort is { } port && proxied is null && !request.IsHttps)
        {
            return "ws://" + new HostString(HostStringOf(request).Host, port).ToUriComponent() + IngressPath;
        }

        var secure = request.IsHttps || proxied is { } proto && proto.Equals("https", StringComparison.OrdinalIgnoreCase);
        return (secure ? "wss://" : "ws://") + HostOf(request) + IngressPath;
    }

    /// <summary>The first proxy's word on the client's scheme: <c>X-Forwarded-Proto</c>, else <c>Forwarded</c>'s <c>proto</c>.</summary>
    private static string? ForwardedProto(HttpRequest request)
    {
        var xForwarded = request.Headers["X-Forwarded-Proto"].ToString();
        if (xForwarded.Length > 0)
        {
            return xForwarded.Split(',')[0].Trim();
        }

        foreach (var pair in request.Headers["Forwarded"].ToString().Split(',')[0].Split(';'))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && pair[..equals].Trim().Equals("proto", StringComparison.OrdinalIgnoreCase))
            {
                return pair[(equals + 1)..].Trim().Trim('"');
            }
        }

        return null;
    }

    private static string HostOf(HttpRequest request) => HostStringOf(request).ToUriComponent();

    /// <summary>The Host the request arrived with; with none (HTTP/1.0), the address and port it arrived on.</summary>
    private static HostString HostStringOf(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Host.HasValue
            ? request.Host
            : new HostString(request.HttpContext.Connection.LocalIpAddress?.ToString() ?? "localhost", request.HttpContext.Connection.LocalPort);
    }

    /// <summary>
    /// A call's stream URL: <paramref name="ingressUrl"/> (from <see cref="FromPublicBaseUrl"/> or
    /// <see cref="FromRequest"/>) routed to the agent by <c>serviceHost</c>, with the body, when there is one, as
    /// padded standard base64, percent-encoded.
    /// </summary>
    public static StringBuilder For(string ingressUrl, Core.AgentKey agent, string? bodyBase64)
    {
        var url = new StringBuilder(ingressUrl).Append("?serviceHost=").Append(agent.ServiceHost);
        if (bodyBase64 is not null)
        {
            url.Append("&body=").Append(Uri.EscapeDataString(bodyBase64));
        }

        return url;
    }

    /// <summary>Why a configured public base URL cannot be used, or null.</summary>
    public static string? Problem(Uri? publicBaseUrl)
    {
        if (publicBaseUrl is null)
        {
            return null;
        }

        if (!publicBaseUrl.IsAbsoluteUri || publicBaseUrl.Scheme is not ("https" or "http" or "wss" or "ws") || string.IsNullOrEmpty(publicBaseUrl.Host))
        {
            return "Gateway:PublicBaseUrl must be an absolute https:// (or http://, wss://, ws://) URL, e.g. https://voice.example.com.";
        }

        if (!string.IsNullOrEmpty(publicBaseUrl.Query) || !string.IsNullOrEmpty(publicBaseUrl.Fragment) || !string.IsNullOrEmpty(publicBaseUrl.UserInfo))
        {
            return "Gateway:PublicBaseUrl must carry no query, fragment or user info: the stream URL's own query follows its path.";
        }

        return null;
    }
}
