using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using Gateway.Core;

namespace Gateway.Relay;

/// <summary>
/// One direction of a <see cref="CallRelay"/>: reads what the source leg sent and writes it on to the destination leg
/// unchanged, a run of whole frames per write, reading only frame headers on the way (see <see cref="CallRelay"/>).
/// </summary>
internal sealed class FramePump(Leg leg, LegSocket source, LegSocket destination, int maxMessageBytes, RelayTraffic traffic, CallRelay relay)
{
    // Payload bytes of the data frame being forwarded that have not arrived yet.
    private long _frameRemaining;

    // The data message being forwarded, in payload bytes so far.
    private long _messageBytes;

    // The destination's send lock, held from a frame's first forwarded byte to its last so nothing lands inside it.
    private bool _holdingDestination;

    public async Task<PumpEnd> RunAsync()
    {
        try
        {
            var wanted = 1;
            while (true)
            {
                bool more;
                try
                {
                    more = await source.ReadMoreAsync(wanted);
                }
                catch (Exception e) when (WebSocketClosing.IsConnectionFailure(e))
                {
                    more = false;
                }

                if (!more)
                {
                    return await SourceLostAsync();
                }

                var (length, stop, header, invalid) = Scan(source.Buffered);
                if (length > 0)
                {
                    var forwarded = await ForwardAsync(source.BufferedMemory[..length]);
                    source.Consume(length);
                    if (!forwarded)
                    {
                        return DestinationLost();
                    }
                }

                switch (stop)
                {
                    case Stop.Invalid:
                        return await ProtocolErrorAsync(invalid!);
                    case Stop.MessageTooBig:
                        return await MessageTooBigAsync();
                    case Stop.Close:
                        return await CloseAsync(header);
                    case Stop.KeepAliveAnswer:
                        source.Consume(header.Length + (int)header.PayloadLength);
                        wanted = 1;
                        break;
                    default:
                        // Whatever is left is the start of a frame: read until more than that is in hand.
                        wanted = source.Buffered.Length + 1;
                        break;
                }
            }
        }
        finally
        {
            ReleaseDestination();
        }
    }

    /// <summary>
    /// Walks the frames in <paramref name="bytes"/>: returns how many bytes can be forwarded as they are, and what stopped
    /// the walk there (the end of the bytes in hand, or a frame the relay must act on).
    /// </summary>
    private (int Length, Stop Stop, FrameHeader Header, string? Invalid) Scan(ReadOnlySpan<byte> bytes)
    {
        var position = 0;
        while (true)
        {
            if (_frameRemaining > 0)
            {
                var payload = (int)Math.Min(_frameRemaining, bytes.Length - position);
                position += payload;
                _frameRemaining -= payload;
                if (_frameRemaining > 0)
                {
                    return (position, Stop.NeedMore, default, null);
                }
            }

            if (position == bytes.Length || FrameHeader.TryRead(bytes[position..], out var header, out var invalid) == HeaderRead.NeedMore)
            {
                return (position, Stop.NeedMore, default, null);
            }

            invalid ??= source.Check(header);
            if (invalid is not null)
            {
                return (position, Stop.Invalid, header, invalid);
            }

            if (header.IsControl)
            {
                var length = header.Length + (int)header.PayloadLength;
                if (bytes.Length - position < length)
                {
                    return (position, Stop.NeedMore, default, null);
                }

                if (header.Opcode == Opcode.Close)
                {
                    return (position, Stop.Close, header, null);
                }

                if (header.Opcode == Opcode.Pong && LegSocket.IsKeepAliveAnswer(header, bytes.Slice(position + header.Length, (int)header.PayloadLength)))
                {
                    return (position, Stop.KeepAliveAnswer, header, null);
                }

                position += length;
                continue;
            }

            _messageBytes = header.Opcode == Opcode.Continuation ? _messageBytes + header.PayloadLength : header.PayloadLength;
            if (_messageBytes > maxMessageBytes)
            {
                return (position, Stop.MessageTooBig, header, null);
            }

            if (header.Fin)
            {
                traffic.Add(_messageBytes);
            }

            position += header.Length;
            _frameRemaining = header.PayloadLength;
        }
    }

    /// <returns>False when the destination could not be written (it is gone).</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync(ReadOnlyMemory<byte> bytes)
    {
        if (!_holdingDestination)
        {
            await destination.WaitToSendAsync();
            _holdingDestination = true;
        }

        try
        {
            // After the gateway closed the destination (drain, a refusal) nothing may follow its close: dropped.
            if (!destination.IsCloseSent)
            {
                await destination.WriteForwardedAsync(bytes);
            }
        }
        catch (Exception e) when (WebSocketClosing.IsConnectionFailure(e))
        {
            return false;
        }

        if (_frameRemaining == 0)
        {
            ReleaseDestination();
        }

        return true;
    }

    /// <summary>The source's close: checked, recorded, and forwarded as it came (its code and reason unchanged).</summary>
    private async Task<PumpEnd> CloseAsync(FrameHeader header)
    {
        var length = header.Length + (int)header.PayloadLength;
        var payload = source.Buffered.Slice(header.Length, (int)header.PayloadLength).ToArray();
        if (header.Masked)
        {
            FrameHeader.ApplyMask(payload, header.MaskKey, 0);
        }

        if (ClosePayload.TryRead(payload, out var status, out var reason) is { } invalid)
        {
            return await ProtocolErrorAsync(invalid);
        }

        relay.EndedFirst(leg);
        source.CloseReceived(status ?? WebSocketCloseStatus.Empty, reason ?? string.Empty);
        var forwarded = await ForwardAsync(source.BufferedMemory[..length]);
        destination.CloseForwarded();
        source.Consume(length);
        if (!forwarded)
        {
            destination.Abort();
        }

        return new PumpEnd(leg.Closed(), status ?? WebSocketCloseStatus.Empty, reason ?? string.Empty);
    }

    /// <summary>The source ended without a close: the destination gets 1011, or is dropped when a frame to it is cut short.</summary>
    private async Task<PumpEnd> SourceLostAsync()
    {
        relay.EndedFirst(leg);
        var reason = $"{leg.Name()} connection lost";
        if (_frameRemaining > 0)
        {
            destination.Abort();
        }
        else
        {
            ReleaseDestination();
            await relay.CloseLegAsync(destination, WebSocketCloseStatus.InternalServerError, reason);
        }

        return new PumpEnd(leg.Lost(), WebSocketCloseStatus.InternalServerError, reason);
    }

    /// <summary>The destination could not be written: dropped, so the other direction, reading it, ends and closes our source.</summary>
    private PumpEnd DestinationLost()
    {
        relay.EndedFirst(leg);
        ReleaseDestination();
        destination.Abort();
        return new PumpEnd(leg.Other().Lost(), WebSocketCloseStatus.InternalServerError, $"{leg.Other().Name()} connection lost");
    }

    /// <summary>The source broke RFC 6455: it gets 1002 with the reason, the other side 1011.</summary>
    private async Task<PumpEnd> ProtocolErrorAsync(string invalid)
    {
        relay.EndedFirst(leg);
        ReleaseDestination();
        var reason = CloseCodes.Reason($"protocol error: {invalid}");
        await Task.WhenAll(
            relay.CloseLegAsync(source, WebSocketCloseStatus.ProtocolError, reason),
            relay.CloseLegAsync(destination, WebSocketCloseStatus.InternalServerError, $"{leg.Name()} protocol error"));
        return new PumpEnd(leg.Lost(), WebSocketCloseStatus.ProtocolError, reason);
    }

    /// <summary>A message over the leg's limit: both legs get 1009 before any of its offending frame is forwarded.</summary>
    private async Task<PumpEnd> MessageTooBigAsync()
    {
        relay.EndedFirst(leg);
        ReleaseDestination();
        var reason = CloseCodes.Reason($"{leg.Name()} message exceeds {maxMessageBytes} bytes");
        await Task.WhenAll(
            relay.CloseLegAsync(source, WebSocketCloseStatus.MessageTooBig, reason),
            relay.CloseLegAsync(destination, WebSocketCloseStatus.MessageTooBig, reason));
        return new PumpEnd(CallEnd.MessageTooBig, WebSocketCloseStatus.MessageTooBig, reason);
    }

    private void ReleaseDestination()
    {
        if (_holdingDestination)
        {
            _holdingDestination = false;
            destination.SendDone();
        }
    }

    private enum Stop
    {
        NeedMore,
        Invalid,
        MessageTooBig,
        Close,
        KeepAliveAnswer,
    }
}

/// <summary>How one direction of a relay ended.</summary>
internal readonly record struct PumpEnd(CallEnd End, WebSocketCloseStatus? CloseStatus, string? CloseDescription);
