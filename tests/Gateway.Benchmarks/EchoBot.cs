using System.Buffers;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Benchmarks;

/// <summary>
/// `Gateway.Benchmarks bot --port N`: an echo bot with Pipecat Cloud's contract (the sample bot's), written so that its
/// own cost per frame stays small and does not crowd the proxy under test on a small machine. GET /ws upgrades; the
/// first two messages (Telnyx's connected and start) are read as Pipecat reads them; then each media frame comes back
/// as {"event":"media","media":{"payload":…}} with the payload as it arrived, a DTMF key is answered with a mark
/// "dtmf-{digit}", and stop closes the stream with 1000 "call ended". Nothing is parsed into objects, allocated or
/// logged per frame. With an expected body, a call whose upgrade does not carry it (a proxy that dropped or altered the
/// query string) is accepted and closed at once with 1008, so the benchmark reports it as failed.
/// </summary>
internal static class EchoBot
{
    public static async Task<int> RunAsync(int port, string? expectedBody)
    {
        var expected = expectedBody is null ? null : Convert.FromBase64String(expectedBody);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls(string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{port}"));
        if (Environment.GetEnvironmentVariable(InlineCompletions.Variable) == "1")
        {
            // Frames are handled where the socket completes them, not handed to the thread pool: fewer context switches
            // per frame on a machine the bots share with what they serve. The handler never blocks, which this needs.
            builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        }

        await using var app = builder.Build();
        app.UseWebSockets();
        app.MapGet("/ws", context => HandleAsync(context, expected));
        await app.RunAsync();
        return 0;
    }

    private static async Task HandleAsync(HttpContext context, byte[]? expectedBody)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        try
        {
            if (expectedBody is not null && !CarriesBody(context.Request, expectedBody))
            {
                await socket.CloseAsync(WebSocketCloseStatus.PolicyViolation, "bot: the body query parameter is missing or altered", context.RequestAborted);
                return;
            }

            await new EchoSession(socket).RunAsync(context.RequestAborted);
        }
        catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or InvalidDataException)
        {
            // The caller vanished or misbehaved; a benchmark bot has nobody to tell but the caller's own report.
        }
    }

    /// <summary>The body arrives as base64 of UTF-8 JSON (the gateway re-encodes it as padded standard base64).</summary>
    private static bool CarriesBody(HttpRequest request, byte[] expected)
    {
        var text = request.Query["body"].ToString();
        var decoded = new byte[text.Length];
        return Convert.TryFromBase64String(text, decoded, out var written) && decoded.AsSpan(0, written).SequenceEqual(expected);
    }

    /// <summary>One call's stream.</summary>
    private sealed class EchoSession(WebSocket socket)
    {
        private const int MaxMessageSize = 1024 * 1024;
        private const int HandshakeMessages = 2;
        private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

        private readonly ArrayBufferWriter<byte> _echo = new(512);
        private byte[] _message = new byte[4096];
        private byte[] _scratch = new byte[4096];

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var handshake = 0;
            while (true)
            {
                var (type, count) = await ReceiveAsync(cancellationToken);
                if (type == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(
                            socket.CloseStatus ?? WebSocketCloseStatus.Empty,
                            socket.CloseStatus is null ? null : socket.CloseStatusDescription,
                            cancellationToken);
                    }

                    return;
                }

                if (handshake < HandshakeMessages || type != WebSocketMessageType.Text)
                {
                    handshake++;
                    continue;
                }

                if (_scratch.Length < count)
                {
                    _scratch = new byte[_message.Length];
                }

                switch (EchoParser.Parse(_message.AsSpan(0, count), _scratch, out var payload))
                {
                    case FrameEvent.Media:
                        _echo.ResetWrittenCount();
                        _echo.Write("{\"event\":\"media\",\"media\":{\"payload\":\""u8);
                        _echo.Write(payload);
                        _echo.Write("\"}}"u8);
                        await socket.SendAsync(_echo.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
                        break;
                    case FrameEvent.Dtmf:
                        await SendMarkAsync(Digit(_message.AsMemory(0, count)), cancellationToken);
                        break;
                    case FrameEvent.Stop:
                        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                        {
                            timeout.CancelAfter(CloseTimeout);
                            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", timeout.Token);
                        }

                        return;
                    default:
                        break;
                }
            }
        }

        private async Task SendMarkAsync(string digit, CancellationToken cancellationToken)
        {
            _echo.ResetWrittenCount();
            using (var writer = new Utf8JsonWriter(_echo))
            {
                writer.WriteStartObject();
                writer.WriteString("event", "mark");
                writer.WriteStartObject("mark");
                writer.WriteString("name", "dtmf-" + digit);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            await socket.SendAsync(_echo.WrittenMemory, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }

        private static string Digit(ReadOnlyMemory<byte> frame)
        {
            using var document = JsonDocument.Parse(frame);
            return document.RootElement.TryGetProperty("dtmf", out var dtmf)
                && dtmf.ValueKind == JsonValueKind.Object
                && dtmf.TryGetProperty("digit", out var digit)
                && digit.ValueKind == JsonValueKind.String
                    ? digit.GetString() ?? string.Empty
                    : string.Empty;
        }

        /// <summary>One whole message into <see cref="_message"/>, which grows as needed up to a limit.</summary>
        private async ValueTask<(WebSocketMessageType Type, int Count)> ReceiveAsync(CancellationToken cancellationToken)
        {
            var count = 0;
            while (true)
            {
                if (count == _message.Length)
                {
                    if (count >= MaxMessageSize)
                    {
                        throw new InvalidDataException($"A message exceeded {MaxMessageSize} bytes.");
                    }

                    Array.Resize(ref _message, Math.Min(_message.Length * 2, MaxMessageSize));
                }

                var result = await socket.ReceiveAsync(_message.AsMemory(count), cancellationToken);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return (WebSocketMessageType.Close, 0);
                }

                count += result.Count;
                if (result.EndOfMessage)
                {
                    return (result.MessageType, count);
                }
            }
        }
    }
}
