using System.Net.WebSockets;
using System.Threading.Channels;
using Gateway.CallSimulator;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Infrastructure;

/// <summary>One call as a bot container sees it: the upgrade request, the frames received, and the means to answer.</summary>
public sealed class BotCall
{
    private readonly WebSocket _socket;
    private readonly Channel<ReceivedFrame> _frames = Channel.CreateUnbounded<ReceivedFrame>();

    public BotCall(WebSocket socket, HttpRequest request)
    {
        _socket = socket;
        Headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        QueryString = request.QueryString.Value ?? string.Empty;
        Body = request.Query.TryGetValue("body", out var body) ? body.ToString() : null;
    }

    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The raw query string, as sent (percent-encoding intact).</summary>
    public string QueryString { get; }

    /// <summary>The <c>body</c> query value after URL decoding, as Pipecat's base image reads it.</summary>
    public string? Body { get; }

    /// <summary>Whether the bot answers a close frame by itself, as a real bot's WebSocket library does.</summary>
    public bool AnswerCloses { get; set; } = true;

    /// <summary>How long the bot takes to answer a close frame (when it answers them).</summary>
    public TimeSpan CloseAnswerDelay { get; set; } = TimeSpan.Zero;

    public WebSocketState State => _socket.State;

    /// <summary>The next frame the bot received; a close frame comes as <see cref="ReceivedFrame.IsClose"/>.</summary>
    public async Task<ReceivedFrame> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(Wait.Timeout);
        return await _frames.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>True when no frame arrives within the window.</summary>
    public async Task<bool> ReceivesNothingAsync(TimeSpan window)
    {
        using var timeout = new CancellationTokenSource(window);
        try
        {
            await _frames.Reader.WaitToReadAsync(timeout.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    public Task SendTextAsync(ReadOnlyMemory<byte> frame) =>
        _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None).AsTask();

    public Task SendBinaryAsync(ReadOnlyMemory<byte> frame) =>
        _socket.SendAsync(frame, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None).AsTask();

    public Task CloseOutputAsync(WebSocketCloseStatus status, string reason) =>
        _socket.CloseOutputAsync(status, reason, CancellationToken.None);

    /// <summary>Drops the connection with no close frame, as a crashed bot would.</summary>
    public void Abort() => _socket.Abort();

    internal async Task ReadUntilClosedAsync()
    {
        var buffer = new byte[4 * 1024 * 1024];
        try
        {
            while (true)
            {
                var count = 0;
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    count += received.Count;
                }
                while (!received.EndOfMessage);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    _frames.Writer.TryWrite(new ReceivedFrame(WebSocketMessageType.Close, [], _socket.CloseStatus, _socket.CloseStatusDescription));
                    if (AnswerCloses && _socket.State == WebSocketState.CloseReceived)
                    {
                        if (CloseAnswerDelay > TimeSpan.Zero)
                        {
                            await Task.Delay(CloseAnswerDelay);
                        }

                        var status = _socket.CloseStatus ?? WebSocketCloseStatus.Empty;
                        var reason = status == WebSocketCloseStatus.Empty ? null : _socket.CloseStatusDescription;
                        await _socket.CloseOutputAsync(status, reason, CancellationToken.None);
                    }

                    return;
                }

                _frames.Writer.TryWrite(new ReceivedFrame(received.MessageType, buffer.AsSpan(0, count).ToArray(), null, null));
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException)
        {
            // The connection dropped: the test sees the channel end.
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }
}
