using System.Security.Cryptography;
using System.Text;

namespace Gateway.Relay;

/// <summary>The <c>Sec-WebSocket-Accept</c> value that answers a <c>Sec-WebSocket-Key</c> (RFC 6455 §4.2.2).</summary>
internal static class WebSocketAccept
{
    private const string KeyGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    // RFC 6455 fixes SHA-1 here: it proves the server speaks WebSocket, it protects nothing.
#pragma warning disable CA5350
    public static string For(string key) => Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + KeyGuid)));
#pragma warning restore CA5350
}
