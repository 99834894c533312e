using System.Net.WebSockets;

namespace Gateway.Core;

/// <summary>Close codes the enum does not name.</summary>
public static class CloseCodes
{
    /// <summary>RFC 6455 registry, 1013 "Try Again Later": no capacity, bot unreachable.</summary>
    public const WebSocketCloseStatus TryAgainLater = (WebSocketCloseStatus)1013;

    /// <summary>The close code of every WebSocket leg the drain ends (1001 "Going Away").</summary>
    public const WebSocketCloseStatus GatewayShuttingDown = WebSocketCloseStatus.EndpointUnavailable;

    /// <summary>The reason that goes with <see cref="GatewayShuttingDown"/>.</summary>
    public const string GatewayShuttingDownReason = "gateway shutting down";

    /// <summary>Close reasons are limited to 123 bytes of UTF-8 by the protocol.</summary>
    public static string Reason(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (System.Text.Encoding.UTF8.GetByteCount(text) <= 123)
        {
            return text;
        }

        var length = Math.Min(text.Length, 120);
        while (System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) > 120)
        {
            length--;
        }

        return string.Concat(text.AsSpan(0, length), "...");
    }
}
