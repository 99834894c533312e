using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Relay;

/// <summary>
/// Opens a bot's WebSocket with an HTTP/1.1 upgrade written straight onto the socket. A call's bot hop is a single
/// long-lived connection that is never pooled or reused, so the HTTP client's connection machinery (its pool, its
/// buffers, the stream it wraps an upgraded connection in) would only add a layer that every frame crosses and
/// memory that every call holds.
/// </summary>
internal static class BotHandshake
{
    private const int ResponseMaxBytes = 16 * 1024;

    public static async Task<LegSocket> ConnectAsync(Uri url, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        var secure = url.Scheme == Uri.UriSchemeWss;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        try
        {
            await socket.ConnectAsync(url.IdnHost, url.Port, cancellationToken);
            stream = new NetworkStream(socket, ownsSocket: true);
            if (secure)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.IdnHost }, cancellationToken);
            }

            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            await stream.WriteAsync(Request(url, key, headers), cancellationToken);
            var leftover = await ReadResponseAsync(stream, key, cancellationToken);
            return new LegSocket(stream, LegRole.Client, leftover);
        }
        catch
        {
            if (stream is null)
            {
                socket.Dispose();
            }
            else
            {
                await stream.DisposeAsync();
            }

            throw;
        }
    }

    private static byte[] Request(Uri url, string key, IEnumerable<KeyValuePair<string, string>> headers)
    {
        var request = new StringBuilder(512)
            .Append("GET ").Append(url.PathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(url.IsDefaultPort ? url.IdnHost : $"{url.IdnHost}:{url.Port}").Append("\r\n")
            .Append("Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n")
            .Append("Sec-WebSocket-Key: ").Append(key).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            request.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        return Encoding.ASCII.GetBytes(request.Append("\r\n").ToString());
    }

    /// <summary>Reads and checks the upgrade response; returns the bytes the bot sent after it (its first frames).</summary>
    private static async Task<byte[]> ReadResponseAsync(Stream stream, string key, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(ResponseMaxBytes);
        try
        {
            var length = 0;
            int end;
            while ((end = buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (length == ResponseMaxBytes)
                {
                    throw new BotHandshakeException(0, $"the upgrade response exceeds {ResponseMaxBytes} bytes");
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length, ResponseMaxBytes - length), cancellationToken);
                if (read == 0)
                {
                    throw new BotHandshakeException(0, "the connection closed during the upgrade");
                }

                length += read;
            }

            Check(Encoding.Latin1.GetString(buffer, 0, end), key);
            return buffer.AsSpan(end + 4, length - end - 4).ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void Check(string head, string key)
    {
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/1.", StringComparison.Ordinal) || !int.TryParse(status[1], out var code))
        {
            throw new BotHandshakeException(0, "the upgrade response is not HTTP/1.1");
        }

        if (code != 101)
        {
            throw new BotHandshakeException(code, $"the server answered {code} instead of 101");
        }

        string? upgrade = null, connection = null, accept = null;
        foreach (var line in lines.AsSpan(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var value = line[(colon + 1)..].Trim();
            switch (line[..colon].Trim().ToUpperInvariant())
            {
                case "UPGRADE": upgrade = value; break;
                case "CONNECTION": connection = value; break;
                case "SEC-WEBSOCKET-ACCEPT": accept = value; break;
            }
        }

        var expected = WebSocketAccept.For(key);
        if (!string.Equals(upgrade, "websocket", StringComparison.OrdinalIgnoreCase)
            || connection is null || !connection.Contains("upgrade", StringComparison.OrdinalIgnoreCase)
            || accept != expected)
        {
            throw new BotHandshakeException(101, "the 101 response is not a valid WebSocket upgrade");
        }
    }
}

/// <summary>A bot refused or botched the WebSocket upgrade.</summary>
internal sealed class BotHandshakeException(int statusCode, string message) : IOException(message)
{
    /// <summary>The HTTP status the bot answered, 0 when there was none.</summary>
    public int StatusCode { get; } = statusCode;
}
