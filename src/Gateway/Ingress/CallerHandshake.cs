using System.Buffers;
using System.Net.WebSockets;

namespace Gateway.Ingress;

/// <summary>
/// Telnyx's first frames, <c>connected</c> then <c>start</c>, read before anything reaches the bot so the gateway can
/// check them, route on them, and forward them byte for byte. Owns a pooled buffer until disposed.
/// </summary>
public sealed class CallerHandshake : IDisposable
{
    private byte[]? _buffer;

    private CallerHandshake(byte[] buffer, int connectedLength, int startLength, StartFrame start)
    {
        _buffer = buffer;
        Connected = buffer.AsMemory(0, connectedLength);
        StartBytes = buffer.AsMemory(connectedLength, startLength);
        Start = start;
    }

    /// <summary>The <c>connected</c> frame as received; empty when Telnyx sent <c>start</c> first.</summary>
    public ReadOnlyMemory<byte> Connected { get; }

    /// <summary>The <c>start</c> frame as received.</summary>
    public ReadOnlyMemory<byte> StartBytes { get; }

    public StartFrame Start { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _buffer, null) is { } buffer)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads the handshake. Does not time out by itself: the caller races it against the deadline and, on expiry,
    /// closes the socket, which ends this read.
    /// </summary>
    /// <param name="maxBytes">Limit for both frames together.</param>
    public static async Task<HandshakeResult> ReadAsync(WebSocket caller, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var buffer = new FrameBuffer(maxBytes);
        try
        {
            var first = await ReadFrameAsync(caller, buffer);
            if (first.Failure is { } firstFailure)
            {
                return firstFailure;
            }

            var connectedLength = 0;
            if (first.Event == "connected")
            {
                connectedLength = buffer.Length;
                var second = await ReadFrameAsync(caller, buffer);
                if (second.Failure is { } secondFailure)
                {
                    return secondFailure;
                }

                if (second.Event != "start")
                {
                    return HandshakeResult.Fail(WebSocketCloseStatus.PolicyViolation, $"expected a start frame after connected, got '{second.Event}'");
                }
            }
            else if (first.Event != "start")
            {
                return HandshakeResult.Fail(WebSocketCloseStatus.PolicyViolation, $"expected a connected or start frame, got '{first.Event}'");
            }

            var startLength = buffer.Length - connectedLength;
            var start = StartFrame.TryParse(buffer.Array.AsMemory(connectedLength, startLength));
            if (start is null)
            {
                return HandshakeResult.Fail(WebSocketCloseStatus.PolicyViolation, "start frame lacks stream_id or its start object");
            }

            return HandshakeResult.Success(new CallerHandshake(buffer.Detach(), connectedLength, startLength, start));
        }
        catch (Exception e) when (Relay.WebSocketClosing.IsConnectionFailure(e))
        {
            return HandshakeResult.Gone();
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>Appends one whole frame to the buffer and reads its <c>event</c>.</summary>
    private static async Task<FrameRead> ReadFrameAsync(WebSocket caller, FrameBuffer buffer)
    {
        var frameStart = buffer.Length;
        while (true)
        {
            if (!buffer.TryMakeRoom())
            {
                return new FrameRead(null, HandshakeResult.Fail(WebSocketCloseStatus.MessageTooBig, $"first frames exceed {buffer.MaxBytes} bytes"));
            }

            var received = await caller.ReceiveAsync(buffer.Free, CancellationToken.None);
            switch (received.MessageType)
            {
                case WebSocketMessageType.Close:
                    return new FrameRead(null, HandshakeResult.Gone());
                case WebSocketMessageType.Binary:
                    return new FrameRead(null, HandshakeResult.Fail(WebSocketCloseStatus.InvalidMessageType, "expected Telnyx JSON text frames, got a binary frame"));
            }

            buffer.Length += received.Count;
            if (received.EndOfMessage)
            {
                break;
            }
        }

        var name = StartFrame.ReadEvent(buffer.Array.AsSpan(frameStart, buffer.Length - frameStart));
        return name is null
            ? new FrameRead(null, HandshakeResult.Fail(WebSocketCloseStatus.PolicyViolation, "first frame is not Telnyx JSON with an event"))
            : new FrameRead(name, null);
    }

    /// <summary>
    /// A pooled buffer that starts small (Telnyx's first frames are under 1 KiB) and grows up to the limit only for a
    /// stream that needs it, so a call's setup does not borrow the whole limit.
    /// </summary>
    private sealed class FrameBuffer(int maxBytes) : IDisposable
    {
        private const int InitialBytes = 2048;

        public byte[] Array { get; private set; } = ArrayPool<byte>.Shared.Rent(Math.Min(InitialBytes, maxBytes));

        public int Length { get; set; }

        public int MaxBytes => maxBytes;

        public Memory<byte> Free => Array.AsMemory(Length, Math.Min(Array.Length, maxBytes) - Length);

        /// <summary>False when the limit is reached.</summary>
        public bool TryMakeRoom()
        {
            if (Length < Math.Min(Array.Length, maxBytes))
            {
                return true;
            }

            if (Length >= maxBytes)
            {
                return false;
            }

            var larger = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes, Array.Length * 2));
            Array.AsSpan(0, Length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(Array);
            Array = larger;
            return true;
        }

        /// <summary>Hands the array over to a handshake, which returns it to the pool.</summary>
        public byte[] Detach()
        {
            var array = Array;
            Array = [];
            return array;
        }

        public void Dispose()
        {
            if (Array.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(Array);
                Array = [];
            }
        }
    }

    private readonly record struct FrameRead(string? Event, HandshakeResult? Failure);
}

/// <summary>The handshake, or the close code and reason that answer a stream that is not Telnyx's.</summary>
public sealed record HandshakeResult(CallerHandshake? Handshake, WebSocketCloseStatus CloseStatus, string Reason)
{
    /// <summary>The caller closed or dropped before <c>start</c>: nothing to answer.</summary>
    public bool CallerGone => Handshake is null && CloseStatus == WebSocketCloseStatus.Empty;

    public static HandshakeResult Success(CallerHandshake handshake) => new(handshake, WebSocketCloseStatus.NormalClosure, string.Empty);

    public static HandshakeResult Fail(WebSocketCloseStatus status, string reason) => new(null, status, Core.CloseCodes.Reason(reason));

    public static HandshakeResult Gone() => new(null, WebSocketCloseStatus.Empty, string.Empty);
}
