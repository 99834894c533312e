using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Relay;

/// <summary>
/// Answers an HTTP/1.1 WebSocket upgrade request (the 101 with <c>Sec-WebSocket-Accept</c>) and hands its connection to a
/// <see cref="LegSocket"/>. No subprotocol and no extension is negotiated, so frames stay as the relay forwards them.
/// </summary>
public static class WebSocketUpgrade
{
    /// <exception cref="InvalidOperationException">The request is not an upgrade this server can answer.</exception>
    /// <exception cref="IOException">The connection went away while answering.</exception>
    public static async Task<LegSocket> AcceptAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var upgrade = context.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is not { IsUpgradableRequest: true })
        {
            throw new InvalidOperationException("the request cannot be upgraded");
        }

        context.Response.Headers.Connection = "Upgrade";
        context.Response.Headers.Upgrade = "websocket";
        context.Response.Headers.SecWebSocketAccept = WebSocketAccept.For(context.Request.Headers.SecWebSocketKey.ToString().AsSpan());
        var transport = await upgrade.UpgradeAsync();

        // The lifetime feature's abort is what the context's does; bound to the feature, the socket keeps nothing of the
        // request alive (a request the media listener ends at the call's hand-off, context, features and all).
        Action abort = context.Features.Get<IHttpRequestLifetimeFeature>() is { } lifetime ? lifetime.Abort : context.Abort;
        return new LegSocket(transport, LegRole.Server, abortConnection: abort);
    }
}
