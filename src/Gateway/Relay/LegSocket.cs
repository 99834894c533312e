using System.Buffers;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;

namespace Gateway.Relay;

/// <summary>Which end of a leg the gateway is: Telnyx's server, or the bot's client.</summary>
public enum LegRole
{
    /// <summary>The gateway accepted this leg (Telnyx's stream): the peer masks its frames, the gateway does not.</summary>
    Server,

    /// <summary>The gateway opened this leg (the bot hop): it masks its frames, the peer does not.</summary>
    Client,
}

/// <summary>
/// One leg of a call as a WebSocket over a connection the gateway owns once the upgrade is done: Telnyx's upgraded
/// request stream, or the bot hop's socket.
/// </summary>
/// <remarks>
/// The gateway's own code is the product here: <see cref="CallRelay"/> forwards frames between two legs without
/// re-framing them (a caller's masked frame is valid toward the bot as it is, the bot's unmasked frame valid toward
/// Telnyx), which the framework's WebSocket cannot do: it unmasks, validates and re-frames every message. This class
/// keeps the framework's API for everything else a call does with a leg (its handshake, refusals and closes), on the
/// same buffer, so the relay starts exactly where the handshake stopped. It holds no buffer while the leg is idle:
/// a read waits for data with a zero-byte read and borrows a pooled buffer only while bytes are in hand.
/// </remarks>
public sealed partial class LegSocket : WebSocket
{
    private const int ReadBufferBytes = 4096;

    private readonly Stream _transport;
    private readonly LegRole _role;
    private readonly Action? _abortConnection;

    // Bytes read and not yet consumed: _buffer[_start.._end]; the buffer goes back to the pool whenever it empties.
    private byte[]? _buffer;
    private int _start;
    private int _end;

    // Reading through the WebSocket API: the data frame being delivered.
    private FrameHeader _frame;
    private long _frameRemaining;
    private long _frameOffset;
    private WebSocketMessageType _messageType;

    // A fragmented message has begun and not ended (frames read by either reader).
    private bool _inMessage;

    private volatile bool _closeSent;
    private volatile bool _closeReceived;
    private volatile bool _aborted;
    private WebSocketCloseStatus? _closeStatus;
    private string? _closeDescription;

    /// <param name="transport">The connection after its upgrade; the leg owns it.</param>
    /// <param name="alreadyRead">Bytes read off the connection with the upgrade response (the peer's first frames).</param>
    /// <param name="abortConnection">Drops the connection (an HTTP request's abort); disposing the transport otherwise.</param>
    public LegSocket(Stream transport, LegRole role, ReadOnlySpan<byte> alreadyRead = default, Action? abortConnection = null)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _transport = transport;
        _role = role;
        _abortConnection = abortConnection;
        if (!alreadyRead.IsEmpty)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(ReadBufferBytes, alreadyRead.Length));
            alreadyRead.CopyTo(_buffer);
            _end = alreadyRead.Length;
        }
    }

    public LegRole Role => _role;

    public override WebSocketCloseStatus? CloseStatus => _closeStatus;

    public override string? CloseStatusDescription => _closeDescription;

    public override string? SubProtocol => null;

    public override WebSocketState State => _aborted ? WebSocketState.Aborted : (_closeSent, _closeReceived) switch
    {
        (true, true) => WebSocketState.Closed,
        (true, false) => WebSocketState.CloseSent,
        (false, true) => WebSocketState.CloseReceived,
        _ => WebSocketState.Open,
    };

    /// <summary>Whether the gateway has sent (or forwarded) a close to this leg: nothing more may follow it.</summary>
    internal bool IsCloseSent => _closeSent;

    /// <summary>Bytes read and not yet consumed.</summary>
    internal ReadOnlySpan<byte> Buffered => _buffer is null ? default : _buffer.AsSpan(_start, _end - _start);

    internal ReadOnlyMemory<byte> BufferedMemory => _buffer is null ? default : _buffer.AsMemory(_start, _end - _start);

    /// <summary>
    /// Checks a frame the peer sent against the rules its role sets (a client masks, a server does not) and the message
    /// sequence (continuations only inside a fragmented message, no new message inside one); returns why it breaks them.
    /// </summary>
    internal string? Check(in FrameHeader header)
    {
        if (header.Masked != (_role == LegRole.Server))
        {
            return header.Masked ? "masked frame from a server" : "unmasked frame from a client";
        }

        if (header.IsControl)
        {
            return null;
        }

        if (header.Opcode == Opcode.Continuation ? !_inMessage : _inMessage)
        {
            return _inMessage ? "new message inside a fragmented one" : "continuation frame without a message";
        }

        _inMessage = !header.Fin;
        return null;
    }

    /// <summary>
    /// Reads until at least <paramref name="count"/> bytes are buffered. With none buffered it first waits for data
    /// without a buffer (a zero-byte read), so an idle leg holds none.
    /// </summary>
    /// <returns>False when the connection ended first.</returns>
    /// <remarks>Runs once or twice per frame: its state machine comes from a pool, so waiting allocates nothing.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<bool> ReadMoreAsync(int count, CancellationToken cancellationToken = default)
    {
        while (_end - _start < count)
        {
            if (_buffer is null)
            {
                // A zero-byte read completes when data has arrived; its count is always zero.
#pragma warning disable CA2022
                await _transport.ReadAsync(Memory<byte>.Empty, cancellationToken);
#pragma warning restore CA2022
                _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(ReadBufferBytes, count));
                _start = _end = 0;
            }
            else if (_buffer.Length - _start < count)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(ReadBufferBytes, count));
                _buffer.AsSpan(_start, _end - _start).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                (_buffer, _end, _start) = (larger, _end - _start, 0);
            }
            else if (_end == _buffer.Length)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                (_end, _start) = (_end - _start, 0);
            }

            var read = await _transport.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
            {
                return false;
            }

            _end += read;
            _receivedSinceKeepAlive = true;
        }

        return true;
    }

    /// <summary>Drops bytes that were read; the buffer goes back to the pool when none are left.</summary>
    internal void Consume(int count)
    {
        _start += count;
        if (_start == _end && _buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _start = _end = 0;
        }
    }

    /// <summary>Records the peer's close (read here, or forwarded by the relay).</summary>
    internal void CloseReceived(WebSocketCloseStatus? status, string? description)
    {
        _closeStatus = status;
        _closeDescription = description;
        _closeReceived = true;
    }

    public override void Abort()
    {
        _aborted = true;
        _abortConnection?.Invoke();
        try
        {
            _transport.Dispose();
        }
        catch (InvalidOperationException)
        {
            // A transport may refuse to be disposed under a pending read; the connection is dropped all the same.
        }
    }

    /// <summary>Releases the connection. A pending read's buffer is left to the garbage collector, never returned twice.</summary>
    public override void Dispose()
    {
        if (State != WebSocketState.Closed)
        {
            _aborted = true;
        }

        _transport.Dispose();
    }
}
