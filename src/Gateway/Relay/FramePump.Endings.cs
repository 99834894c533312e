using System.Net.WebSockets;
using Gateway.Core;

namespace Gateway.Relay;

/// <summary>How one direction of a relay ends, or moves to another bot: each way out leaves both legs as RFC 6455 wants them.</summary>
internal sealed partial class FramePump
{
    /// <summary>Reads the source's close payload: its code and reason, or why it is invalid.</summary>
    private (WebSocketCloseStatus Status, string Reason, string? Invalid) ReadClose(FrameHeader header)
    {
        var payload = _source.Buffered.Slice(header.Length, (int)header.PayloadLength).ToArray();
        if (header.Masked)
        {
            FrameHeader.ApplyMask(payload, header.MaskKey, 0);
        }

        var invalid = ClosePayload.TryRead(payload, out var status, out var reason);
        return (status ?? WebSocketCloseStatus.Empty, reason ?? string.Empty, invalid);
    }

    /// <summary>The source's close, recorded and forwarded as it came (its code and reason unchanged).</summary>
    private async Task<PumpEnd> ForwardCloseAsync(FrameHeader header, WebSocketCloseStatus status, string reason)
    {
        relay.EndedFirst(leg);
        _source.CloseReceived(status, reason);
        var length = header.Length + (int)header.PayloadLength;
        var forwarded = await ForwardAsync(_source.BufferedMemory[..length]);
        _destination?.CloseForwarded();
        _source.Consume(length);
        if (!forwarded)
        {
            _destination?.Abort();
        }

        return new PumpEnd(leg.Closed(), status, reason);
    }

    /// <summary>
    /// The bot dropped (<paramref name="closeStatus"/> null: without a close) while Telnyx is still there and no frame to
    /// Telnyx is cut short: asks the call's replacement for another bot, holding Telnyx's frames meanwhile.
    /// </summary>
    /// <returns>True when the call now relays from a new bot leg.</returns>
    private async Task<bool> ReplaceBotAsync(WebSocketCloseStatus? closeStatus)
    {
        if (leg != Leg.Bot || relay.Replacement is not { } replacement || _frameRemaining > 0
            || _destination is not { IsCloseSent: false } || relay.CallerGone.IsCancellationRequested)
        {
            return false;
        }

        ReleaseDestination();
        relay.Hold();
        LegSocket? next;
        try
        {
            next = await replacement.ReplaceAsync(_source, closeStatus, relay.CallerGone);
        }
        catch (OperationCanceledException)
        {
            next = null;
        }

        if (next is null)
        {
            return false;
        }

        _source = next;
        _messageBytes = 0;
        relay.Resume(next);
        return true;
    }

    /// <summary>The source ended without a close: the destination gets 1011, or is dropped when a frame to it is cut short.</summary>
    private async Task<PumpEnd> SourceLostAsync()
    {
        relay.EndedFirst(leg);
        var reason = $"{leg.Name()} connection lost";
        if (_frameRemaining > 0)
        {
            _destination?.Abort();
        }
        else if (_destination is { State: WebSocketState.CloseReceived, CloseStatus: { } status } hungUp)
        {
            // The other side closed while this one was being replaced: its close is answered with its own code.
            ReleaseDestination();
            await relay.CloseLegAsync(hungUp, status, hungUp.CloseStatusDescription);
        }
        else if (_destination is not null)
        {
            ReleaseDestination();
            await relay.CloseLegAsync(_destination, WebSocketCloseStatus.InternalServerError, reason);
        }

        return new PumpEnd(leg.Lost(), WebSocketCloseStatus.InternalServerError, reason);
    }

    /// <summary>The destination could not be written: dropped, so the other direction, reading it, ends and closes our source.</summary>
    private PumpEnd DestinationLost()
    {
        relay.EndedFirst(leg);
        ReleaseDestination();
        _destination?.Abort();
        return new PumpEnd(leg.Other().Lost(), WebSocketCloseStatus.InternalServerError, $"{leg.Other().Name()} connection lost");
    }

    /// <summary>The source broke RFC 6455: it gets 1002 with the reason, the other side 1011.</summary>
    private async Task<PumpEnd> ProtocolErrorAsync(string invalid)
    {
        relay.EndedFirst(leg);
        ReleaseDestination();
        var reason = CloseCodes.Reason($"protocol error: {invalid}");
        await Task.WhenAll(
            relay.CloseLegAsync(_source, WebSocketCloseStatus.ProtocolError, reason),
            relay.CloseLegAsync(_destination, WebSocketCloseStatus.InternalServerError, $"{leg.Name()} protocol error"));
        return new PumpEnd(leg.Lost(), WebSocketCloseStatus.ProtocolError, reason);
    }

    /// <summary>A message over the leg's limit: both legs get 1009 before any of its offending frame is forwarded.</summary>
    private async Task<PumpEnd> MessageTooBigAsync()
    {
        relay.EndedFirst(leg);
        ReleaseDestination();
        var reason = CloseCodes.Reason($"{leg.Name()} message exceeds {maxMessageBytes} bytes");
        await Task.WhenAll(
            relay.CloseLegAsync(_source, WebSocketCloseStatus.MessageTooBig, reason),
            relay.CloseLegAsync(_destination, WebSocketCloseStatus.MessageTooBig, reason));
        return new PumpEnd(CallEnd.MessageTooBig, WebSocketCloseStatus.MessageTooBig, reason);
    }
}
