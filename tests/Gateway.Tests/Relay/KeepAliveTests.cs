using System.Text;
using Gateway.Core;
using Gateway.Relay;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Relay;

/// <summary>A leg that sends nothing gets the gateway's pings; their pongs stay with the gateway; a silent peer is dropped.</summary>
public sealed class KeepAliveTests : IAsyncDisposable
{
    private static readonly byte[] Payload = "gateway-keepalive"u8.ToArray();

    private readonly RelayRig _rig = new(new RelayOptions { KeepAliveInterval = TimeSpan.FromMilliseconds(100), KeepAliveTimeout = TimeSpan.FromSeconds(1) });

    [Fact]
    public async Task Idle_legs_are_pinged_their_pongs_are_not_forwarded_and_peers_that_stop_answering_are_dropped()
    {
        // The gateway is the bot's client: its ping is masked; Telnyx's is not.
        var ping = await RawFrames.ReadAsync(_rig.Bot, Wait.Token());
        Assert.Equal((0x89, true), (ping.First, ping.Masked));
        Assert.Equal(Payload, ping.Payload);
        await _rig.Bot.WriteAsync(RawFrames.Frame(RawFrames.Pong, Payload), Wait.Token());
        await _rig.Bot.WriteAsync(RawFrames.ServerText("""{"event":"clear"}"""), Wait.Token());

        // Telnyx gets pings of its own and then the bot's message; never the bot's pong.
        (byte First, byte[] Payload, bool Masked) frame;
        while ((frame = await RawFrames.ReadAsync(_rig.Telnyx, Wait.Token())).First == 0x89)
        {
            Assert.False(frame.Masked);
            Assert.Equal(Payload, frame.Payload);
        }

        Assert.Equal((0x81, """{"event":"clear"}"""), (frame.First, Encoding.UTF8.GetString(frame.Payload)));

        // Neither answers any more: the relay drops them once a ping has waited the timeout.
        var outcome = await _rig.Relaying.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(outcome.End is CallEnd.BotLost or CallEnd.CallerLost, outcome.End.ToString());
    }

    public ValueTask DisposeAsync() => _rig.DisposeAsync();
}
