using System.Net.WebSockets;

namespace Gateway.Relay;

/// <summary>Reading a leg through the WebSocket API: Telnyx's handshake, and a leg being closed outside the relay.</summary>
public sealed partial class LegSocket
{
    public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await ReceiveAsync(buffer.AsMemory(), cancellationToken);
        return new WebSocketReceiveResult(read.Count, read.MessageType, read.EndOfMessage, _closeStatus, _closeDescription);
    }

    /// <summary>Reads the next part of a message; answers pings and skips pongs on the way, as the framework's WebSocket does.</summary>
    public override async ValueTask<ValueWebSocketReceiveResult> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_closeReceived || _aborted)
        {
            throw new WebSocketException(WebSocketError.InvalidState, $"the leg is {State}");
        }

        while (_frameRemaining == 0)
        {
            var header = await ReadHeaderAsync(cancellationToken);
            if (header.IsControl)
            {
                if (await ReadControlAsync(header, cancellationToken) is { } close)
                {
                    return close;
                }

                continue;
            }

            if (header.Opcode != Opcode.Continuation)
            {
                _messageType = header.Opcode == Opcode.Text ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
            }

            _frame = header;
            _frameRemaining = header.PayloadLength;
            _frameOffset = 0;
            if (header.PayloadLength == 0 && header.Fin)
            {
                return new ValueWebSocketReceiveResult(0, _messageType, endOfMessage: true);
            }
        }

        if (!await ReadMoreAsync(1, cancellationToken))
        {
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the connection closed inside a frame");
        }

        var count = (int)Math.Min(Math.Min(_end - _start, _frameRemaining), buffer.Length);
        _buffer.AsSpan(_start, count).CopyTo(buffer.Span);
        if (_frame.Masked)
        {
            FrameHeader.ApplyMask(buffer.Span[..count], _frame.MaskKey, _frameOffset);
        }

        Consume(count);
        _frameRemaining -= count;
        _frameOffset += count;
        return new ValueWebSocketReceiveResult(count, _messageType, _frameRemaining == 0 && _frame.Fin);
    }

    private async ValueTask<FrameHeader> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        if (!await ReadMoreAsync(2, cancellationToken) || !await ReadMoreAsync(HeaderLength(Buffered[1]), cancellationToken))
        {
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the connection closed without a close frame");
        }

        var read = FrameHeader.TryRead(Buffered, out var header, out var invalid);
        invalid ??= read == HeaderRead.Complete ? Check(header) : "incomplete header";
        if (invalid is not null)
        {
            await FailAsync(invalid);
        }

        Consume(header.Length);
        return header;
    }

    /// <returns>A close result when the frame was a close, else null (a ping is answered, a pong skipped).</returns>
    private async ValueTask<ValueWebSocketReceiveResult?> ReadControlAsync(FrameHeader header, CancellationToken cancellationToken)
    {
        var length = (int)header.PayloadLength;
        if (!await ReadMoreAsync(length, cancellationToken))
        {
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, "the connection closed inside a control frame");
        }

        var payload = new byte[length];
        Buffered[..length].CopyTo(payload);
        if (header.Masked)
        {
            FrameHeader.ApplyMask(payload, header.MaskKey, 0);
        }

        Consume(length);
        switch (header.Opcode)
        {
            case Opcode.Ping:
                await SendControlAsync(Opcode.Pong, payload, cancellationToken);
                return null;
            case Opcode.Pong:
                return null;
        }

        if (ClosePayload.TryRead(payload, out var status, out var reason) is { } invalid)
        {
            await FailAsync(invalid);
        }

        CloseReceived(status ?? WebSocketCloseStatus.Empty, reason ?? string.Empty);
        return new ValueWebSocketReceiveResult(0, WebSocketMessageType.Close, endOfMessage: true);
    }

    /// <summary>A protocol error: closes with 1002 and the reason, then throws as the framework's WebSocket does.</summary>
    private async Task FailAsync(string reason)
    {
        try
        {
            await CloseOutputAsync(WebSocketCloseStatus.ProtocolError, reason, CancellationToken.None);
        }
        catch (Exception e) when (WebSocketClosing.IsConnectionFailure(e))
        {
            // The peer is gone as well.
        }

        Abort();
        throw new WebSocketException(WebSocketError.Faulted, $"protocol error: {reason}");
    }

    private static int HeaderLength(byte second) =>
        2 + ((second & 0x7F) switch { 126 => 2, 127 => 8, _ => 0 }) + ((second & 0x80) != 0 ? 4 : 0);
}
