using System.Net.WebSockets;
using Gateway.Core;

namespace Gateway.Relay;

/// <summary>How reading a leg that no bot was attached to ended.</summary>
/// <param name="HandedOver">The reading stopped at a message boundary when asked: the relay takes the leg on from its next frame.</param>
/// <param name="CloseReceived">The peer closed (its close is not answered yet); otherwise, unless handed over, its connection ended.</param>
public readonly record struct HeldLegEnd(bool HandedOver, bool CloseReceived);

public sealed partial class LegSocket
{
    /// <summary>
    /// Reads a caller's leg while the call waits for a bot: drops its messages (stale audio, counted in
    /// <paramref name="dropped"/>), answers its pings, and stops at the first message boundary after
    /// <paramref name="handOver"/> is cancelled, the leg left exactly at a frame's start for the relay to take on. A
    /// frame already begun is read to its end first, so nothing of it reaches the bot.
    /// </summary>
    public async Task<HeldLegEnd> DropUntilHandOverAsync(RelayTraffic dropped, CancellationToken handOver)
    {
        ArgumentNullException.ThrowIfNull(dropped);
        long messageBytes = 0;
        try
        {
            while (true)
            {
                // Only here, between messages, does the hand-over cut a read short: nothing is consumed before a whole
                // header is in hand, and bytes read meanwhile stay buffered for the relay.
                if (handOver.IsCancellationRequested && !_inMessage)
                {
                    return new HeldLegEnd(HandedOver: true, CloseReceived: false);
                }

                bool more;
                try
                {
                    more = await ReadMoreAsync(2, _inMessage ? CancellationToken.None : handOver);
                }
                catch (OperationCanceledException) when (handOver.IsCancellationRequested && !_inMessage)
                {
                    return new HeldLegEnd(HandedOver: true, CloseReceived: false);
                }

                if (!more || !await ReadMoreAsync(HeaderLength(Buffered[1]), CancellationToken.None))
                {
                    return default;
                }

                var read = FrameHeader.TryRead(Buffered, out var header, out var invalid);
                invalid ??= read == HeaderRead.Complete ? Check(header) : "incomplete header";
                if (invalid is not null)
                {
                    await FailAsync(invalid);
                }

                Consume(header.Length);
                if (header.IsControl)
                {
                    if (await ReadControlAsync(header, CancellationToken.None) is not null)
                    {
                        return new HeldLegEnd(HandedOver: false, CloseReceived: true);
                    }

                    continue;
                }

                if (!await SkipPayloadAsync(header.PayloadLength))
                {
                    return default;
                }

                messageBytes += header.PayloadLength;
                if (header.Fin)
                {
                    dropped.Add(messageBytes);
                    messageBytes = 0;
                }
            }
        }
        catch (Exception e) when (WebSocketClosing.IsConnectionFailure(e))
        {
            // Gone, or broke the protocol (it has its 1002): either way the call is over.
            return default;
        }
    }

    private async ValueTask<bool> SkipPayloadAsync(long length)
    {
        while (length > 0)
        {
            if (!await ReadMoreAsync(1, CancellationToken.None))
            {
                return false;
            }

            var skipped = (int)Math.Min(Buffered.Length, length);
            Consume(skipped);
            length -= skipped;
        }

        return true;
    }
}
