using System.Buffers;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Gateway.Core;

namespace Gateway.Relay;

/// <summary>What the gateway sends on a leg: its own messages and closes, pings, and the relay's forwarded bytes.</summary>
public sealed partial class LegSocket
{
    /// <summary>The payload of the gateway's keep-alive pings; a pong carrying it answers the gateway, not a peer.</summary>
    private static readonly byte[] KeepAlivePayload = "gateway-keepalive"u8.ToArray();

    // One writer at a time, and only at frame boundaries: the relay holds this while a frame is partly forwarded.
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private bool _sendingFragmented;

    private volatile bool _receivedSinceKeepAlive;
    private long _keepAlivePingSent;

    public override Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken) =>
        SendAsync(buffer.AsMemory(), messageType, endOfMessage, cancellationToken).AsTask();

    public override async ValueTask SendAsync(ReadOnlyMemory<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
    {
        if (messageType == WebSocketMessageType.Close)
        {
            throw new ArgumentException("close frames are sent with CloseOutputAsync", nameof(messageType));
        }

        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_closeSent || _aborted)
            {
                throw new WebSocketException(WebSocketError.InvalidState, $"the leg is {State}");
            }

            var opcode = _sendingFragmented ? Opcode.Continuation : messageType == WebSocketMessageType.Text ? Opcode.Text : Opcode.Binary;
            await WriteFrameAsync(opcode, endOfMessage, buffer.Span, cancellationToken);
            _sendingFragmented = !endOfMessage;
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a close frame unless one was sent already (by the gateway or forwarded by the relay).</summary>
    public override async Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (_closeSent)
            {
                return;
            }

            Span<byte> payload = stackalloc byte[FrameHeader.ControlPayloadMaxLength];
            var length = ClosePayload.Write(payload, closeStatus, closeStatus == WebSocketCloseStatus.Empty ? null : CloseCodes.Reason(statusDescription ?? string.Empty));
            _closeSent = true;
            await WriteFrameAsync(Opcode.Close, fin: true, payload[..length].ToArray(), cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Sends a close and reads (discarding messages) until the peer's close arrives.</summary>
    public override async Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
    {
        await CloseOutputAsync(closeStatus, statusDescription, cancellationToken);
        var scratch = new byte[256];
        while (!_closeReceived)
        {
            await ReceiveAsync(scratch.AsMemory(), cancellationToken);
        }
    }

    /// <summary>Waits until the gateway may write to this leg (no other writer, no frame partly forwarded).</summary>
    internal Task WaitToSendAsync() => _sendLock.WaitAsync();

    internal void SendDone() => _sendLock.Release();

    /// <summary>Writes bytes the relay forwards; the caller holds the send lock.</summary>
    internal ValueTask WriteForwardedAsync(ReadOnlyMemory<byte> bytes) => _transport.WriteAsync(bytes);

    /// <summary>The relay forwarded the other leg's close to this one.</summary>
    internal void CloseForwarded() => _closeSent = true;

    /// <summary>Whether a pong (payload as received, still masked when masked) answers the gateway's own keep-alive ping.</summary>
    internal static bool IsKeepAliveAnswer(in FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (payload.Length != KeepAlivePayload.Length)
        {
            return false;
        }

        Span<byte> unmasked = stackalloc byte[KeepAlivePayload.Length];
        payload.CopyTo(unmasked);
        if (header.Masked)
        {
            FrameHeader.ApplyMask(unmasked, header.MaskKey, 0);
        }

        return unmasked.SequenceEqual(KeepAlivePayload);
    }

    /// <summary>
    /// One keep-alive tick: a leg that sent anything since the last tick is alive; one that did not gets a ping, and one
    /// whose ping went unanswered for <paramref name="timeout"/> is dropped, which ends the relay's read of it.
    /// </summary>
    internal void KeepAliveTick(TimeProvider time, TimeSpan timeout)
    {
        if (_receivedSinceKeepAlive)
        {
            _receivedSinceKeepAlive = false;
            Interlocked.Exchange(ref _keepAlivePingSent, 0);
            return;
        }

        var pingSent = Interlocked.Read(ref _keepAlivePingSent);
        if (pingSent != 0)
        {
            if (time.GetElapsedTime(pingSent) >= timeout)
            {
                Abort();
            }

            return;
        }

        // Only when no frame is partly written; a busy leg gets its ping at a later tick.
        if (!_closeSent && _sendLock.Wait(0))
        {
            Interlocked.Exchange(ref _keepAlivePingSent, time.GetTimestamp());
            _ = PingAsync();
        }
    }

    private async Task PingAsync()
    {
        try
        {
            await WriteFrameAsync(Opcode.Ping, fin: true, KeepAlivePayload, CancellationToken.None);
        }
        catch (Exception e) when (WebSocketClosing.IsConnectionFailure(e))
        {
            // The relay's read of this leg fails too and ends the call.
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async ValueTask SendControlAsync(Opcode opcode, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            if (!_closeSent)
            {
                await WriteFrameAsync(opcode, fin: true, payload.Span, cancellationToken);
            }
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Frames a payload (masked with a fresh key when the gateway is the client) and writes it in one write.</summary>
    private ValueTask WriteFrameAsync(Opcode opcode, bool fin, ReadOnlySpan<byte> payload, CancellationToken cancellationToken)
    {
        var frame = ArrayPool<byte>.Shared.Rent(FrameHeader.MaxLength + payload.Length);
        uint? maskKey = _role == LegRole.Client ? BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4)) : null;
        var headerLength = FrameHeader.Write(frame, opcode, fin, payload.Length, maskKey);
        var body = frame.AsSpan(headerLength, payload.Length);
        payload.CopyTo(body);
        if (maskKey is { } key)
        {
            FrameHeader.ApplyMask(body, key, 0);
        }

        return WriteAndReturnAsync(frame, headerLength + payload.Length, cancellationToken);
    }

    private async ValueTask WriteAndReturnAsync(byte[] frame, int length, CancellationToken cancellationToken)
    {
        try
        {
            await _transport.WriteAsync(frame.AsMemory(0, length), cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(frame);
        }
    }
}
