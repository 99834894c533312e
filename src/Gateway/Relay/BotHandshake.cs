using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography;
using System.Text;
using Gateway.Core;
using Gateway.Relay.EventLoop;

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

    // A bot's 101 is a few hundred bytes.
    private const int ResponseFirstBytes = 1024;

    public static async Task<LegSocket> ConnectAsync(SocketEventLoops loops, Uri url, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        var secure = url.Scheme == Uri.UriSchemeWss;
        var stream = await loops.ConnectAsync(url.IdnHost, url.Port, cancellationToken);
        try
        {
            if (secure)
            {
                // The handshake checks the bot's certificate chain, which may block (fetching an intermediate): not on
                // an event loop's thread, where every other call on that loop would wait for it.
                var onLoop = stream as EventLoopStream;
                onLoop?.ResumeOnThreadPool = true;
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = url.IdnHost }, cancellationToken);
                onLoop?.ResumeOnThreadPool = false;
            }

            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            await WriteRequestAsync(stream, url, key, headers, cancellationToken);
            var leftover = await ReadResponseAsync(stream, key, cancellationToken);
            return new LegSocket(stream, LegRole.Client, leftover);
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
    }

    private static async ValueTask WriteRequestAsync(Stream stream, Uri url, string key, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken)
    {
        var request = HttpHead.Compose()
            .Append("GET ").Append(url.PathAndQuery).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(url.IdnHost);
        if (!url.IsDefaultPort)
        {
            request.Append(':').Append(url.Port);
        }

        request.Append("\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n")
            .Append("Sec-WebSocket-Key: ").Append(key).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            request.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        request.Append("\r\n");
        await HttpHead.WriteAsync(stream, request, cancellationToken);
    }

    /// <summary>Reads and checks the upgrade response; returns the bytes the bot sent after it (its first frames).</summary>
    private static async Task<byte[]> ReadResponseAsync(Stream stream, string key, CancellationToken cancellationToken)
    {
        using var response = await HttpHead.ReadAsync(stream, ResponseFirstBytes, ResponseMaxBytes, cancellationToken);
        if (response.Closed)
        {
            throw new BotHandshakeException(0, "the connection closed during the upgrade");
        }

        if (response.TooLarge)
        {
            throw new BotHandshakeException(0, $"the upgrade response exceeds {ResponseMaxBytes} bytes");
        }

        Check(response.Head, key);
        return response.After.ToArray();
    }

    /// <summary>The status line and the three headers an upgrade turns on, read off the bytes.</summary>
    private static void Check(ReadOnlySpan<byte> head, string key)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        var firstSpace = statusLine.IndexOf((byte)' ');
        var rest = firstSpace < 0 ? [] : statusLine[(firstSpace + 1)..];
        var secondSpace = rest.IndexOf((byte)' ');
        if (firstSpace < 0 || !statusLine.StartsWith("HTTP/1."u8)
            || !int.TryParse(secondSpace < 0 ? rest : rest[..secondSpace], NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            throw new BotHandshakeException(0, "the upgrade response is not HTTP/1.1");
        }

        if (code != 101)
        {
            throw new BotHandshakeException(code, $"the server answered {code} instead of 101");
        }

        bool upgrade = false, connection = false, accept = false;
        Span<byte> expected = stackalloc byte[WebSocketAccept.Length];
        WebSocketAccept.Write(key, expected);
        var lines = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!lines.IsEmpty)
        {
            lineEnd = lines.IndexOf("\r\n"u8);
            var line = lineEnd < 0 ? lines : lines[..lineEnd];
            lines = lineEnd < 0 ? [] : lines[(lineEnd + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim(" \t"u8);
            var value = line[(colon + 1)..].Trim(" \t"u8);
            if (Ascii.EqualsIgnoreCase(name, "Upgrade"u8))
            {
                upgrade = Ascii.EqualsIgnoreCase(value, "websocket"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8))
            {
                connection = HasToken(value, "upgrade"u8);
            }
            else if (Ascii.EqualsIgnoreCase(name, "Sec-WebSocket-Accept"u8))
            {
                accept = value.SequenceEqual(expected);
            }
        }

        if (!upgrade || !connection || !accept)
        {
            throw new BotHandshakeException(101, "the 101 response is not a valid WebSocket upgrade");
        }
    }

    /// <summary>Whether a comma-separated header value (<c>Connection: keep-alive, Upgrade</c>) lists the token.</summary>
    private static bool HasToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var range in value.Split((byte)','))
        {
            if (Ascii.EqualsIgnoreCase(value[range].Trim(" \t"u8), token))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>A bot refused or botched the WebSocket upgrade.</summary>
internal sealed class BotHandshakeException(int statusCode, string message) : IOException(message)
{
    /// <summary>The HTTP status the bot answered, 0 when there was none.</summary>
    public int StatusCode { get; } = statusCode;
}
