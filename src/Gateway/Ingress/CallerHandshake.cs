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
        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes);
        var owned = true;
        try
        {
            var first = await ReadFrameAsync(caller, buffer.AsMemory(0, maxBytes), maxBytes);
            if (first.Failure is { } firstFailure)
            {
                return firstFailure;
            }

            var connectedLength = 0;
            var startLength = first.Length;
            if (first.Event == "connected")
            {
                connectedLength = first.Length;
                var second = await ReadFrameAsync(caller, buffer.AsMemory(connectedLength, maxBytes - connectedLength), maxBytes);
                if (second.Failure is { } secondFailure)
                {
                    return secondFailure;
                }

                if (second.Event != "start")
                {
                    return HandshakeResult.Fail(WebSocketCloseStatus.PolicyViolation, $"expected a start frame after connected, got '{second.Event}'");
                }

                startLength = second.Length;
            }
            else if (first.Event != "start")
            {
                return HandshakeResult.Fail(WebSocketCloseStatus.PolicyViolation, $"expected a connected or start frame, got '{first.Event}'");
            }

            var start = StartFrame.TryParse(buffer.AsMemory(connectedLength, startLength));
            if (start is null)
            {
                return HandshakeResult.Fail(WebSocketCloseStatus.PolicyViolation, "start frame lacks stream_id or its start object");
            }

            owned = false;
            return HandshakeResult.Success(new CallerHandshake(buffer, connectedLength, startLength, start));
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            return HandshakeResult.Gone();
        }
        finally
        {
            if (owned)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private static async Task<FrameRead> ReadFrameAsync(WebSocket caller, Memory<byte> space, int maxBytes)
    {
        var count = 0;
        while (true)
        {
            if (count == space.Length)
            {
                return new FrameRead(null, 0, HandshakeResult.Fail(WebSocketCloseStatus.MessageTooBig, $"first frames exceed {maxBytes} bytes"));
            }

            var received = await caller.ReceiveAsync(space[count..], CancellationToken.None);
            switch (received.MessageType)
            {
                case WebSocketMessageType.Close:
                    return new FrameRead(null, 0, HandshakeResult.Gone());
                case WebSocketMessageType.Binary:
                    return new FrameRead(null, 0, HandshakeResult.Fail(WebSocketCloseStatus.InvalidMessageType, "expected Telnyx JSON text frames, got a binary frame"));
            }

            count += received.Count;
            if (received.EndOfMessage)
            {
                break;
            }
        }

        var name = StartFrame.ReadEvent(space.Span[..count]);
        return name is null
            ? new FrameRead(null, 0, HandshakeResult.Fail(WebSocketCloseStatus.PolicyViolation, "first frame is not Telnyx JSON with an event"))
            : new FrameRead(name, count, null);
    }

    private readonly record struct FrameRead(string? Event, int Length, HandshakeResult? Failure);
}

/// <summary>The handshake, or the close code and reason that answer a stream that is not Telnyx's.</summary>
public sealed record HandshakeResult(CallerHandshake? Handshake, WebSocketCloseStatus CloseStatus, string Reason)
{
    /// <summary>The caller closed or dropped before <c>start</c>: nothing to answer.</summary>
    public bool CallerGone => Handshake is null && CloseStatus == WebSocketCloseStatus.Empty;

    public static HandshakeResult Success(CallerHandshake handshake) => new(handshake, WebSocketCloseStatus.NormalClosure, string.Empty);

    public static HandshakeResult Fail(WebSocketCloseStatus status, string reason) => new(null, status, Relay.CloseCodes.Reason(reason));

    public static HandshakeResult Gone() => new(null, WebSocketCloseStatus.Empty, string.Empty);
}
