using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using Gateway.Core;

namespace Gateway.Relay;

/// <summary>
/// One direction of a <see cref="CallRelay"/>: reads what the source leg sent and writes it on to the destination leg
/// unchanged, a run of whole frames per write, reading only frame headers on the way (see <see cref="CallRelay"/>).
/// </summary>
internal sealed partial class FramePump(Leg leg, LegSocket source, LegSocket destination, int maxMessageBytes, RelayTraffic traffic, CallRelay relay)
{
    // Where the bytes come from: the bot's side moves to a new leg when the call is moved to another bot.
    private LegSocket _source = source;

    // Where the bytes go; null while the call waits for another bot (Telnyx's frames are dropped meanwhile).
    private LegSocket? _destination = destination;

    // A new destination asked for from another thread, taken at the next frame boundary.
    private LegSocket? _redirectTo;
    private volatile bool _redirect;

    // Payload bytes of the data frame being forwarded that have not arrived yet.
    private long _frameRemaining;

    // The data message being forwarded, in payload bytes so far.
    private long _messageBytes;

    // The leg whose send lock this pump holds, from a frame's first forwarded byte to its last so nothing lands inside it.
    private LegSocket? _holding;

    /// <summary>Sends this pump's bytes to another leg (null: drops them) from the next frame boundary on.</summary>
    public void Redirect(LegSocket? destination)
    {
        Volatile.Write(ref _redirectTo, destination);
        _redirect = true;
    }

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
                    more = await _source.ReadMoreAsync(wanted);
                }
                catch (Exception e) when (WebSocketClosing.IsConnectionFailure(e))
                {
                    more = false;
                }

                if (!more)
                {
                    if (await ReplaceBotAsync(closeStatus: null))
                    {
                        wanted = 1;
                        continue;
                    }

                    return await SourceLostAsync();
                }

                // A new destination takes over at a frame boundary, before the bytes just read are forwarded.
                if (_redirect && _frameRemaining == 0)
                {
                    ReleaseDestination();
                    _redirect = false;
                    _destination = Volatile.Read(ref _redirectTo);
                }

                var (length, stop, header, invalid) = Scan(_source.Buffered);
                if (length > 0)
                {
                    var forwarded = await ForwardAsync(_source.BufferedMemory[..length]);
                    _source.Consume(length);
                    if (!forwarded)
                    {
                        if (leg == Leg.Caller && relay.Replacement is not null)
                        {
                            // The bot went away: the other direction, reading it, fails too and asks for another bot.
                            _destination!.Abort();
                            _destination = null;
                            continue;
                        }

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
                        var (status, reason, invalidClose) = ReadClose(header);
                        if (invalidClose is not null)
                        {
                            return await ProtocolErrorAsync(invalidClose);
                        }

                        if (await ReplaceBotAsync(status))
                        {
                            wanted = 1;
                            break;
                        }

                        return await ForwardCloseAsync(header, status, reason);
                    case Stop.KeepAliveAnswer:
                        _source.Consume(header.Length + (int)header.PayloadLength);
                        wanted = 1;
                        break;
                    default:
                        // Whatever is left is the start of a frame: read until more than that is in hand.
                        wanted = _source.Buffered.Length + 1;
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

            invalid ??= _source.Check(header);
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
                (_destination is null ? relay.DroppedWhileHeld : traffic).Add(_messageBytes);
            }

            position += header.Length;
            _frameRemaining = header.PayloadLength;
        }
    }

    /// <returns>False when the destination could not be written (it is gone).</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ForwardAsync(ReadOnlyMemory<byte> bytes)
    {
        if (_destination is not { } destination)
        {
            return true;
        }

        if (_holding is null)
        {
            await destination.WaitToSendAsync();
            _holding = destination;
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

    private void ReleaseDestination()
    {
        if (_holding is { } held)
        {
            _holding = null;
            held.SendDone();
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
