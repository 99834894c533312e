using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Gateway.Relay;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Relay;

/// <summary>
/// The bot hop's hand-written upgrade, against a raw TCP server that answers byte by byte what a test chooses,
/// including what Kestrel never does (frames in the 101's packet, a wrong accept key).
/// </summary>
public sealed class BotHandshakeTests
{
    private static readonly KeyValuePair<string, string>[] Headers = [new("X-Daily-Session-Id", "session-1"), new("X-Gateway-Org", "acme")];

    [Theory]
    [InlineData(TestEventLoops.OwnLoops)]
    [InlineData(TestEventLoops.DotnetEngine)]
    public async Task Sends_an_upgrade_with_the_call_headers_and_the_path_and_query(string loops)
    {
        using var server = RawServer.Start();
        var connecting = BotHandshake.ConnectAsync(TestEventLoops.Named(loops), new Uri($"ws://127.0.0.1:{server.Port}/ws?body=e30%3D"), Headers, Wait.Token());

        await using var connection = await server.AcceptAsync();
        var request = await connection.ReadRequestAsync();
        await connection.WriteAsync(Switching(request));
        using var socket = await connecting;

        var lines = request.Split("\r\n");
        Assert.Equal("GET /ws?body=e30%3D HTTP/1.1", lines[0]);
        Assert.Contains($"Host: 127.0.0.1:{server.Port}", lines);
        Assert.Contains("Upgrade: websocket", lines);
        Assert.Contains("Sec-WebSocket-Version: 13", lines);
        Assert.Contains("X-Daily-Session-Id: session-1", lines);
        Assert.Contains("X-Gateway-Org: acme", lines);
        Assert.DoesNotContain(lines, line => line.StartsWith("Origin:", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(WebSocketState.Open, socket.State);
    }

    [Theory]
    [InlineData(TestEventLoops.OwnLoops)]
    [InlineData(TestEventLoops.DotnetEngine)]
    public async Task Frames_sent_in_the_same_packet_as_the_101_arrive_first_and_in_order(string loops)
    {
        using var server = RawServer.Start();
        var connecting = BotHandshake.ConnectAsync(TestEventLoops.Named(loops), new Uri($"ws://127.0.0.1:{server.Port}/ws"), Headers, Wait.Token());

        await using var connection = await server.AcceptAsync();
        var request = await connection.ReadRequestAsync();
        await connection.WriteAsync([.. Switching(request), .. TextFrame("first"), .. TextFrame("second")]);
        using var socket = await connecting;
        await connection.WriteAsync(TextFrame("third"));

        Assert.Equal("first", await ReceiveTextAsync(socket));
        Assert.Equal("second", await ReceiveTextAsync(socket));
        Assert.Equal("third", await ReceiveTextAsync(socket));
    }

    [Fact]
    public async Task A_refusal_reports_the_bots_status()
    {
        var refusal = await RefusalAsync(_ => "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"u8.ToArray());

        Assert.Equal(503, refusal.StatusCode);
    }

    [Fact]
    public async Task A_101_with_the_wrong_accept_key_is_refused()
    {
        var refusal = await RefusalAsync(_ => Encoding.ASCII.GetBytes(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"));

        Assert.Equal(101, refusal.StatusCode);
    }

    [Fact]
    public async Task A_connection_closed_before_the_response_is_refused()
    {
        using var server = RawServer.Start();
        var connecting = BotHandshake.ConnectAsync(TestEventLoops.Loops, new Uri($"ws://127.0.0.1:{server.Port}/ws"), Headers, Wait.Token());

        await using (var connection = await server.AcceptAsync())
        {
            await connection.ReadRequestAsync();
        }

        var refusal = await Assert.ThrowsAnyAsync<IOException>(() => connecting);
        Assert.Contains("closed during the upgrade", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_101_larger_than_the_first_buffer_and_split_across_reads_is_read_whole_with_its_frames()
    {
        using var server = RawServer.Start();
        var connecting = BotHandshake.ConnectAsync(TestEventLoops.Loops, new Uri($"ws://127.0.0.1:{server.Port}/ws"), Headers, Wait.Token());

        await using var connection = await server.AcceptAsync();
        var request = await connection.ReadRequestAsync();
        // A 101 of about 5 KiB (a long cookie), headers in other cases, then a frame: written in three pieces.
        var head = Encoding.ASCII.GetString(Switching(request)).Replace("Connection: Upgrade", "connection: keep-alive, UPGRADE", StringComparison.Ordinal)
            .Replace("\r\n\r\n", $"\r\nSet-Cookie: c={new string('x', 5000)}\r\n\r\n", StringComparison.Ordinal);
        byte[] response = [.. Encoding.ASCII.GetBytes(head), .. TextFrame("first")];
        await connection.WriteAsync(response[..700]);
        await Task.Delay(20);
        await connection.WriteAsync(response[700..3000]);
        await Task.Delay(20);
        await connection.WriteAsync(response[3000..]);
        using var socket = await connecting;

        Assert.Equal("first", await ReceiveTextAsync(socket));
    }

    [Fact]
    public async Task A_response_head_over_16_KiB_is_refused()
    {
        var refusal = await RefusalAsync(_ => Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nX-Padding: {new string('x', 17 * 1024)}\r\n\r\n"));

        Assert.Equal("the upgrade response exceeds 16384 bytes", refusal.Message);
    }

    [Theory]
    [InlineData("Upgrade: websocket\r\n", "")]
    [InlineData("Upgrade: websocket", "Upgrade: h2c")]
    [InlineData("Connection: Upgrade", "Connection: keep-alive")]
    [InlineData("Connection: Upgrade", "Connection: noupgrade")]
    public async Task A_101_without_the_upgrade_headers_is_refused(string header, string replacement)
    {
        var refusal = await RefusalAsync(request => Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(Switching(request)).Replace(header, replacement, StringComparison.Ordinal)));

        Assert.Equal(101, refusal.StatusCode);
        Assert.Equal("the 101 response is not a valid WebSocket upgrade", refusal.Message);
    }

    [Fact]
    public async Task A_response_that_is_not_http_is_refused_without_a_status()
    {
        var refusal = await RefusalAsync(_ => "SSH-2.0-OpenSSH_9.2\r\n\r\n"u8.ToArray());

        Assert.Equal(0, refusal.StatusCode);
        Assert.Equal("the upgrade response is not HTTP/1.1", refusal.Message);
    }

    /// <summary>Opens the bot hop against a server that answers its upgrade request with <paramref name="answer"/>'s bytes; the refusal.</summary>
    private static async Task<BotHandshakeException> RefusalAsync(Func<string, byte[]> answer)
    {
        using var server = RawServer.Start();
        var connecting = BotHandshake.ConnectAsync(TestEventLoops.Loops, new Uri($"ws://127.0.0.1:{server.Port}/ws"), Headers, Wait.Token());

        await using var connection = await server.AcceptAsync();
        var request = await connection.ReadRequestAsync();
        await connection.WriteAsync(answer(request));
        return await Assert.ThrowsAsync<BotHandshakeException>(() => connecting);
    }

    private static byte[] Switching(string request)
    {
        var key = request.Split("\r\n").Single(line => line.StartsWith("Sec-WebSocket-Key: ", StringComparison.Ordinal))["Sec-WebSocket-Key: ".Length..];
#pragma warning disable CA5350 // RFC 6455's accept key is SHA-1 by definition
        var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        return Encoding.ASCII.GetBytes($"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: {accept}\r\n\r\n");
    }

    /// <summary>An unmasked server text frame with a payload under 126 bytes.</summary>
    private static byte[] TextFrame(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        return [0x81, (byte)payload.Length, .. payload];
    }

    private static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        var buffer = new byte[256];
        var result = await socket.ReceiveAsync(buffer, Wait.Token());
        Assert.True(result.EndOfMessage);
        return Encoding.UTF8.GetString(buffer, 0, result.Count);
    }

    private sealed class RawServer : IDisposable
    {
        private readonly TcpListener _listener;

        private RawServer(TcpListener listener) => _listener = listener;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public static RawServer Start()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return new RawServer(listener);
        }

        public async Task<RawConnection> AcceptAsync() => new(await _listener.AcceptTcpClientAsync(Wait.Token()));

        public void Dispose() => _listener.Dispose();
    }

    private sealed class RawConnection(TcpClient client) : IAsyncDisposable
    {
        private readonly NetworkStream _stream = client.GetStream();

        public async Task<string> ReadRequestAsync()
        {
            var request = new List<byte>();
            var buffer = new byte[1024];
            while (!Encoding.ASCII.GetString([.. request]).EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                var read = await _stream.ReadAsync(buffer, Wait.Token());
                Assert.NotEqual(0, read);
                request.AddRange(buffer.AsSpan(0, read));
            }

            return Encoding.ASCII.GetString([.. request]);
        }

        public async Task WriteAsync(byte[] bytes) => await _stream.WriteAsync(bytes, Wait.Token());

        public async ValueTask DisposeAsync()
        {
            await _stream.DisposeAsync();
            client.Dispose();
        }
    }
}
