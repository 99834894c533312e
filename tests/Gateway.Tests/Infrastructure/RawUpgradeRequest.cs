using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A WebSocket upgrade written byte for byte onto a TCP connection, for requests HttpClient will not send (an
/// HTTP/1.0 request line with upgrade headers); the response is read raw, as the gateway wrote it.
/// </summary>
public static class RawUpgradeRequest
{
    public static Task<RawResponse> SendAsync(Uri wsUri, string httpVersion) =>
        SendTextAsync(wsUri, $"GET {wsUri.PathAndQuery} {httpVersion}\r\n"
            + $"Host: {wsUri.Authority}\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + $"Sec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\n"
            + "\r\n");

    /// <summary>Writes <paramref name="request"/> as it is (a malformed one included) and reads the answer.</summary>
    public static async Task<RawResponse> SendTextAsync(Uri uri, string request)
    {
        var cancel = Wait.Token();
        using var client = new TcpClient();
        await client.ConnectAsync(uri.Host, uri.Port, cancel);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), cancel);

        // Up to the end of the head; then the body by its Content-Length, or up to the close that delimits it.
        var received = new List<byte>();
        var buffer = new byte[4096];
        int headEnd;
        while ((headEnd = IndexOfHeadEnd(received)) < 0)
        {
            var read = await stream.ReadAsync(buffer, cancel);
            Assert.True(read > 0, $"the connection closed before the response head ended: {Encoding.ASCII.GetString([.. received])}");
            received.AddRange(buffer.AsSpan(0, read));
        }

        var head = Encoding.ASCII.GetString([.. received], 0, headEnd).Split("\r\n");
        var headers = head.Skip(1)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var status = int.Parse(head[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var body = received.Skip(headEnd + 4).ToList();
        if (status != 101)
        {
            var length = headers.TryGetValue("Content-Length", out var value) ? int.Parse(value, CultureInfo.InvariantCulture) : int.MaxValue;
            while (body.Count < length)
            {
                var read = await stream.ReadAsync(buffer, cancel);
                if (read == 0)
                {
                    break;
                }

                body.AddRange(buffer.AsSpan(0, read));
            }
        }

        return new RawResponse(head[0], status, headers, [.. body]);
    }

    private static int IndexOfHeadEnd(List<byte> received) => received.ToArray().AsSpan().IndexOf("\r\n\r\n"u8);
}

/// <summary>A response as read off the wire.</summary>
public sealed record RawResponse(string StatusLine, int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string ContentType => Headers.TryGetValue("Content-Type", out var value) ? value.Split(';')[0].Trim() : string.Empty;

    public JsonElement Problem => JsonDocument.Parse(Body).RootElement.Clone();
}
