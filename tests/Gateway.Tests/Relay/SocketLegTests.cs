using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Cryptography;
using Gateway.Core;
using Gateway.Relay;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Relay;

/// <summary>
/// The relay over real loopback sockets (the media listener's and the bot hop's connections are plain sockets): what
/// the kernel cannot take at once still arrives whole and in order (and holds up the other side meanwhile), what
/// arrives in pieces is forwarded as the frames it makes, and a connection reset ends the call as a lost bot; on the
/// gateway's own event loops and on .NET's socket engine alike.
/// </summary>
public sealed class SocketLegTests
{
    private static readonly RelayOptions Options = new() { KeepAliveInterval = TimeSpan.Zero, CloseTimeout = TimeSpan.FromSeconds(2) };

    [Theory]
    [InlineData(TestEventLoops.OwnLoops)]
    [InlineData(TestEventLoops.DotnetEngine)]
    public async Task A_2_MiB_bot_message_reaches_a_slow_Telnyx_reader_whole_and_holds_up_the_bot_meanwhile(string loops)
    {
        await using var rig = new RelayRig(Options, connect: () => LoopbackConnection.Streams(TestEventLoops.Named(loops), socketBufferBytes: 4096));
        var message = RandomNumberGenerator.GetBytes(2 * 1024 * 1024);

        var sending = rig.BotSocket.SendAsync(message.AsMemory(), WebSocketMessageType.Binary, endOfMessage: true, Wait.Token()).AsTask();
        await Task.Delay(300);
        Assert.False(sending.IsCompleted, "the bot's send completed while Telnyx read nothing: the relay buffered it");

        var received = new byte[message.Length + 1];
        var count = 0;
        ValueWebSocketReceiveResult result;
        do
        {
            result = await rig.TelnyxSocket.ReceiveAsync(received.AsMemory(count), Wait.Token());
            count += result.Count;
        }
        while (!result.EndOfMessage);

        await sending.WaitAsync(Wait.Timeout);
        Assert.Equal(WebSocketMessageType.Binary, result.MessageType);
        Assert.Equal(message.Length, count);
        Assert.True(message.AsSpan().SequenceEqual(received.AsSpan(0, count)));

        await rig.BotSocket.SendAsync("after"u8.ToArray(), WebSocketMessageType.Text, endOfMessage: true, Wait.Token());
        Assert.Equal("after", await RelayRig.ReceiveTextAsync(rig.TelnyxSocket));
    }

    [Theory]
    [InlineData(TestEventLoops.OwnLoops)]
    [InlineData(TestEventLoops.DotnetEngine)]
    public async Task A_caller_frame_that_arrives_in_pieces_reaches_the_bot_whole(string loops)
    {
        await using var rig = new RelayRig(Options, connect: () => LoopbackConnection.Streams(TestEventLoops.Named(loops)));
        var text = new string('m', 300);
        var frame = RawFrames.ClientText(text);

        foreach (var (start, end) in new[] { (0, 1), (1, 6), (6, 150), (150, frame.Length) })
        {
            await rig.Telnyx.WriteAsync(frame.AsMemory(start..end), Wait.Token());
            await rig.Telnyx.FlushAsync(Wait.Token());
            await Task.Delay(50);
        }

        Assert.Equal(text, await RelayRig.ReceiveTextAsync(rig.BotSocket));
    }

    [Theory]
    [InlineData(TestEventLoops.OwnLoops)]
    [InlineData(TestEventLoops.DotnetEngine)]
    public async Task A_reset_bot_connection_ends_the_relay_as_the_bot_lost(string loops)
    {
        var connections = new List<Stream>();
        await using var rig = new RelayRig(Options, connect: () =>
        {
            var connection = LoopbackConnection.Streams(TestEventLoops.Named(loops));
            connections.Add(connection.Peer);
            return connection;
        });

        // The bot's end goes away with a reset (no close handshake, no FIN): the gateway's read of it fails.
        var bot = ((NetworkStream)connections[1]).Socket;
        bot.LingerState = new LingerOption(enable: true, seconds: 0);
        bot.Close();

        var closing = await rig.TelnyxSocket.ReceiveAsync(new byte[256], Wait.Token());
        Assert.Equal(WebSocketMessageType.Close, closing.MessageType);
        Assert.Equal(WebSocketCloseStatus.InternalServerError, rig.TelnyxSocket.CloseStatus);
        Assert.Equal("bot connection lost", rig.TelnyxSocket.CloseStatusDescription);
        await rig.TelnyxSocket.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, string.Empty, Wait.Token());
        Assert.Equal(CallEnd.BotLost, (await rig.Relaying.WaitAsync(Wait.Timeout)).End);
    }
}
