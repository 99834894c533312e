using Gateway.Core;
using Microsoft.AspNetCore.Http;

namespace Gateway.Ingress;

/// <summary>What a stream's upgrade request says: which agent (when the URL names it), the body for the bot, the token.</summary>
/// <param name="ServiceHost">The URL's <c>serviceHost</c>; null when the start frame is to name the agent.</param>
/// <param name="Token">
/// The stream token, from the <c>token</c> query parameter (TeXML) or Telnyx's <c>x-telnyx-streaming-auth-token</c>
/// header (dial-out); null when there is none.
/// </param>
public sealed record StreamRequest(string? ServiceHost, SessionBody? Body, string? Token)
{
    /// <summary>Reads the request, or says why it is not a stream the gateway takes (not a WebSocket upgrade, a bad body).</summary>
    public static Refusal? TryRead(HttpContext context, int bodyMaxBytes, out StreamRequest? request)
    {
        ArgumentNullException.ThrowIfNull(context);
        request = null;
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return StreamRefusals.NotWebSocket();
        }

        // Kestrel would answer 101 to upgrade headers on an HTTP/1.0 request too; an HTTP/2 extended CONNECT (RFC 8441)
        // is a WebSocket request as well, but the caller leg is an upgraded HTTP/1.1 connection, as Telnyx opens it.
        if (!HttpProtocol.IsHttp11(context.Request.Protocol))
        {
            return StreamRefusals.NotHttp11Upgrade(context.Request.Protocol);
        }

        var query = context.Request.Query;
        SessionBody? body = null;
        if (query.TryGetValue("body", out var rawBody) && rawBody.Count > 0)
        {
            var bodyError = "body is given more than once.";
            if (rawBody.Count > 1 || !SessionBody.TryDecode(rawBody[0] ?? string.Empty, bodyMaxBytes, out body, out bodyError))
            {
                return StreamRefusals.InvalidBody(bodyError);
            }
        }

        var token = query["token"].ToString();
        if (string.IsNullOrEmpty(token))
        {
            token = context.Request.Headers["x-telnyx-streaming-auth-token"].ToString();
        }

        var serviceHost = query.TryGetValue("serviceHost", out var named) && named.Count > 0 ? named.ToString() : null;
        request = new StreamRequest(serviceHost, body, string.IsNullOrEmpty(token) ? null : token);
        return null;
    }
}
