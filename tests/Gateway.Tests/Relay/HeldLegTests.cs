using System.Net.WebSockets;
using System.Text;
using Gateway.Core;
using Gateway.Relay;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Relay;

/// <summary>
/// A caller's leg read while the call waits for a bot: its messages are dropped and counted, its pings answered, and the
/// hand-over stops the reading only between messages, so the relay starts on a whole frame.
/// </summary>
public sealed class HeldLegTests
{
    private static readonly byte[] Mask = [0x12, 0x34, 0x56, 0x78];

    [Fact]
    public async Task A_hand_over_asked_inside_a_frame_waits_for_its_end_and_leaves_the_next_frame_whole()
    {
        var (gateway, peer) = InMemoryWebSockets.Streams();
        using var leg = new LegSocket(gateway, LegRole.Server);
        var dropped = new RelayTraffic();
        using var handOver = new CancellationTokenSource();
        var stale = RawFrames.ClientText("stale audio");
        await peer.WriteAsync(RawFrames.ClientText("first"));
        await peer.WriteAsync(stale.AsMemory(0, 5));
        var reading = leg.DropUntilHandOverAsync(dropped, handOver.Token);
        await Wait.UntilAsync(() => dropped.Frames == 1, "the first message is dropped");

        await handOver.CancelAsync();
        Assert.False(await Task.WhenAny(reading, Task.Delay(200)) == reading, "the reading stopped inside a frame");
        await peer.WriteAsync(stale.AsMemory(5));
        await peer.WriteAsync(RawFrames.ClientText("fresh"));

        Assert.Equal(new HeldLegEnd(HandedOver: true, CloseReceived: false), await reading.WaitAsync(Wait.Token()));
        Assert.Equal((2, (long)"firststale audio".Length), (dropped.Frames, dropped.Bytes));
        var buffer = new byte[16];
        var next = await leg.ReceiveAsync(buffer.AsMemory(), Wait.Token());
        Assert.Equal("fresh", Encoding.UTF8.GetString(buffer, 0, next.Count));
    }

    [Fact]
    public async Task A_hand_over_between_messages_stops_at_once()
    {
        var (gateway, _) = InMemoryWebSockets.Streams();
        using var leg = new LegSocket(gateway, LegRole.Server);
        using var handOver = new CancellationTokenSource();
        var reading = leg.DropUntilHandOverAsync(new RelayTraffic(), handOver.Token);

        await handOver.CancelAsync();

        Assert.True((await reading.WaitAsync(Wait.Token())).HandedOver);
    }

    [Fact]
    public async Task Pings_are_answered_and_a_close_ends_the_reading_unanswered()
    {
        var (gateway, peer) = InMemoryWebSockets.Streams();
        using var leg = new LegSocket(gateway, LegRole.Server);
        var reading = leg.DropUntilHandOverAsync(new RelayTraffic(), CancellationToken.None);

        await peer.WriteAsync(RawFrames.Frame(RawFrames.Ping, "still there?"u8.ToArray(), mask: Mask));
        var pong = await RawFrames.ReadAsync(peer, Wait.Token());
        Assert.Equal((0x80 | RawFrames.Pong, "still there?"), (pong.First, Encoding.UTF8.GetString(pong.Payload)));
        await peer.WriteAsync(RawFrames.Frame(RawFrames.Close, RawFrames.ClosePayload(1000, "hung up"), mask: Mask));

        Assert.Equal(new HeldLegEnd(HandedOver: false, CloseReceived: true), await reading.WaitAsync(Wait.Token()));
        Assert.Equal((WebSocketCloseStatus.NormalClosure, "hung up", WebSocketState.CloseReceived), (leg.CloseStatus, leg.CloseStatusDescription, leg.State));
    }

    [Fact]
    public async Task An_unmasked_frame_from_the_caller_ends_the_reading_with_1002()
    {
        var (gateway, peer) = InMemoryWebSockets.Streams();
        using var leg = new LegSocket(gateway, LegRole.Server);
        var reading = leg.DropUntilHandOverAsync(new RelayTraffic(), CancellationToken.None);

        await peer.WriteAsync(RawFrames.ServerText("not masked"));

        Assert.Equal(default, await reading.WaitAsync(Wait.Token()));
        var close = await RawFrames.ReadAsync(peer, Wait.Token());
        Assert.Equal(0x80 | RawFrames.Close, close.First);
        Assert.Equal(1002, (close.Payload[0] << 8) | close.Payload[1]);
    }
}
