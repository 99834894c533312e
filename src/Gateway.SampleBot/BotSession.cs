using System.Diagnostics.CodeAnalysis;
using System.Net.WebSockets;
using System.Text.Json;

namespace Gateway.SampleBot;

/// <summary>
/// One call's stream, handled as a Pipecat bot would see it: a Telnyx handshake (connected, start), then media echoed
/// back, DTMF answered with a mark, and the stream closed on stop.
/// </summary>
internal sealed class BotSession(WebSocket socket, string sessionId, ILogger logger)
{
    // Telnyx's inbound frames are 20 ms of audio; a megabyte leaves ample room while bounding memory per call.
    private const int MaxMessageSize = 1024 * 1024;

    // Pipecat reads exactly two messages to learn the provider; Telnyx sends connected, then start.
    private const int HandshakeMessages = 2;

    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly MessageReader _reader = new(socket, MaxMessageSize);
    private int _mediaFrames;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (await ReadHandshakeAsync(cancellationToken) is { } call)
            {
                BotLog.CallStarted(logger, sessionId, call.StreamId, call.CallControlId, call.From, call.To, call.Encoding);
                await ConverseAsync(cancellationToken);
            }
        }
        catch (InvalidDataException exception)
        {
            BotLog.MessageTooBig(logger, sessionId, exception.Message);
            await CloseAsync(WebSocketCloseStatus.MessageTooBig, "message too big", cancellationToken);
        }
        catch (WebSocketException exception)
        {
            BotLog.ConnectionLost(logger, sessionId, exception);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The connection was aborted under the request; there is nobody left to tell.
        }

        BotLog.SessionEnded(logger, sessionId, _mediaFrames);
    }

    private async Task<TelnyxCall?> ReadHandshakeAsync(CancellationToken cancellationToken)
    {
        TelnyxCall? call = null;
        for (var i = 0; i < HandshakeMessages; i++)
        {
            var message = await _reader.ReceiveAsync(cancellationToken);
            if (message.Type == WebSocketMessageType.Close)
            {
                BotLog.ClosedDuringHandshake(logger, sessionId);
                await AnswerCloseAsync(message, cancellationToken);
                return null;
            }

            if (message.Type != WebSocketMessageType.Text)
            {
                BotLog.HandshakeNotText(logger, sessionId, message.Type);
                await CloseAsync(WebSocketCloseStatus.InvalidMessageType, "expected text frames", cancellationToken);
                return null;
            }

            // Like Pipecat, the first recognised message wins and anything that is not JSON counts as unrecognised.
            call ??= TryParse(message.Payload, out var document) ? DetectAndDispose(document) : null;
        }

        if (call is null)
        {
            BotLog.NotTelnyx(logger, sessionId);
            await CloseAsync(WebSocketCloseStatus.PolicyViolation, "not a Telnyx stream", cancellationToken);
        }

        return call;
    }

    private async Task ConverseAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var message = await _reader.ReceiveAsync(cancellationToken);
            if (message.Type == WebSocketMessageType.Close)
            {
                BotLog.PeerClosed(logger, sessionId, message.CloseStatus, message.CloseDescription);
                await AnswerCloseAsync(message, cancellationToken);
                return;
            }

            if (message.Type != WebSocketMessageType.Text || !TryParse(message.Payload, out var document))
            {
                BotLog.MalformedFrame(logger, sessionId, $"a {message.Type} frame of {message.Payload.Length} bytes that is not JSON");
                continue;
            }

            using (document)
            {
                var frame = document.RootElement;
                var eventName = StringProperty(frame, "event") ?? "(none)";
                switch (eventName)
                {
                    case "media":
                        await EchoAsync(frame, cancellationToken);
                        break;
                    case "dtmf":
                        await AnswerDtmfAsync(frame, cancellationToken);
                        break;
                    case "stop":
                        BotLog.StopReceived(logger, sessionId);
                        await CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", cancellationToken);
                        return;
                    default:
                        BotLog.UnknownFrame(logger, sessionId, eventName);
                        break;
                }
            }
        }
    }

    private async Task EchoAsync(JsonElement frame, CancellationToken cancellationToken)
    {
        if (!frame.TryGetProperty("media", out var media) || StringProperty(media, "payload") is not { } payload)
        {
            BotLog.MalformedFrame(logger, sessionId, "a media frame without media.payload");
            return;
        }

        await SendAsync(BotFrames.Media(payload), cancellationToken);
        _mediaFrames++;
    }

    private async Task AnswerDtmfAsync(JsonElement frame, CancellationToken cancellationToken)
    {
        if (!frame.TryGetProperty("dtmf", out var dtmf) || StringProperty(dtmf, "digit") is not { } digit)
        {
            BotLog.MalformedFrame(logger, sessionId, "a dtmf frame without dtmf.digit");
            return;
        }

        BotLog.DtmfReceived(logger, sessionId, digit);
        await SendAsync(BotFrames.Mark("dtmf-" + digit), cancellationToken);
    }

    private Task SendAsync(byte[] frame, CancellationToken cancellationToken) =>
        socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);

    /// <summary>Starts the close handshake and waits, bounded, for the answer.</summary>
    private async Task CloseAsync(WebSocketCloseStatus status, string reason, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CloseTimeout);
        try
        {
            await socket.CloseAsync(status, reason, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            BotLog.CloseUnanswered(logger, sessionId);
            socket.Abort();
        }
    }

    private async Task AnswerCloseAsync(BotMessage close, CancellationToken cancellationToken)
    {
        if (socket.State != WebSocketState.CloseReceived)
        {
            return;
        }

        // A close without a status code can only be answered without one.
        var status = close.CloseStatus ?? WebSocketCloseStatus.Empty;
        var reason = close.CloseStatus is null ? null : close.CloseDescription;
        await socket.CloseOutputAsync(status, reason, cancellationToken);
    }

    private static TelnyxCall? DetectAndDispose(JsonDocument document)
    {
        using (document)
        {
            return TelnyxCall.Detect(document.RootElement);
        }
    }

    private static bool TryParse(ReadOnlyMemory<byte> payload, [NotNullWhen(true)] out JsonDocument? document)
    {
        try
        {
            document = JsonDocument.Parse(payload);
            return true;
        }
        catch (JsonException)
        {
            document = null;
            return false;
        }
    }

    private static string? StringProperty(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object
        && parent.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
