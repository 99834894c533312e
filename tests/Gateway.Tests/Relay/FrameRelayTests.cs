using System.Net.WebSockets;
using Gateway.Core;
using Gateway.Relay;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Relay;

/// <summary>
/// The relay forwards frames without re-framing them: each test writes raw frames on one side and reads the other side
/// with the framework's own WebSocket (an independent RFC 6455 implementation) or as raw bytes.
/// </summary>
public sealed class FrameRelayTests : IAsyncDisposable
{
    private static readonly byte[] TelnyxMask = [0x12, 0x34, 0x56, 0x78];

    private readonly RelayRig _rig = new(new RelayOptions { KeepAliveInterval = TimeSpan.Zero, CallerMessageMaxBytes = 1024, CloseTimeout = TimeSpan.FromSeconds(2) });

    private Stream _telnyx => _rig.Telnyx;

    private Stream _bot => _rig.Bot;

    private WebSocket _telnyxSocket => _rig.TelnyxSocket;

    private WebSocket _botSocket => _rig.BotSocket;

    private CallRelay _relay => _rig.Relay;

    private Task<RelayOutcome> _relaying => _rig.Relaying;

    [Fact]
    public async Task Telnyx_frames_reach_the_bot_as_the_very_bytes_sent_masked_and_all()
    {
        var media = RawFrames.ClientText("""{"event":"media","media":{"payload":"AAAA"}}""");
        var mark = RawFrames.ClientText("""{"event":"mark"}""");

        // Two frames in one write, then one frame a byte at a time.
        await _telnyx.WriteAsync(media.Concat(mark).ToArray(), Wait.Token());
        foreach (var b in media)
        {
            await _telnyx.WriteAsync(new[] { b }, Wait.Token());
        }

        Assert.Equal(media.Concat(mark).Concat(media).ToArray(), await ReadExactlyAsync(_bot, media.Length * 2 + mark.Length));
    }

    [Fact]
    public async Task A_fragmented_message_with_a_ping_inside_crosses_whole_and_the_bot_answers_the_ping()
    {
        await _telnyx.WriteAsync(RawFrames.ClientText("""{"event":"me""", fin: false), Wait.Token());
        await _telnyx.WriteAsync(RawFrames.Frame(RawFrames.Ping, "p1"u8.ToArray(), mask: TelnyxMask), Wait.Token());
        await _telnyx.WriteAsync(RawFrames.ClientText("""dia"}""", opcode: RawFrames.Continuation), Wait.Token());

        Assert.Equal("""{"event":"media"}""", await ReceiveTextAsync(_botSocket));

        // The bot's framework answered the ping; the pong crosses back to Telnyx unchanged.
        Assert.Equal(RawFrames.Frame(RawFrames.Pong, "p1"u8.ToArray()), await ReadExactlyAsync(_telnyx, 4));
    }

    [Fact]
    public async Task Bot_frames_reach_telnyx_as_the_very_bytes_sent()
    {
        var frames = RawFrames.ServerText("""{"event":"clear"}""").Concat(RawFrames.Frame(RawFrames.Binary, new byte[300])).ToArray();

        await _bot.WriteAsync(frames, Wait.Token());

        Assert.Equal(frames, await ReadExactlyAsync(_telnyx, frames.Length));
    }

    [Fact]
    public async Task A_close_crosses_with_its_code_and_reason_and_its_answer_comes_back()
    {
        await _telnyxSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "stream stopped", Wait.Token());

        var atBot = await _botSocket.ReceiveAsync(new byte[16], Wait.Token());
        Assert.Equal((WebSocketMessageType.Close, WebSocketCloseStatus.NormalClosure, "stream stopped"), (atBot.MessageType, _botSocket.CloseStatus, _botSocket.CloseStatusDescription));
        await _botSocket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "stream stopped", Wait.Token());
        var atTelnyx = await _telnyxSocket.ReceiveAsync(new byte[16], Wait.Token());
        Assert.Equal(WebSocketMessageType.Close, atTelnyx.MessageType);

        var outcome = await _relaying.WaitAsync(Wait.Timeout);
        Assert.Equal((CallEnd.CallerClosed, WebSocketCloseStatus.NormalClosure, "stream stopped"), (outcome.End, outcome.CloseStatus, outcome.CloseDescription));
    }

    [Theory]
    [InlineData(new byte[] { 0x81, 0x02, 0x7B, 0x7D }, "protocol error: unmasked frame from a client")]
    [InlineData(new byte[] { 0xC1, 0x80, 0, 0, 0, 0 }, "protocol error: reserved bits set without an extension")]
    [InlineData(new byte[] { 0x80, 0x80, 0, 0, 0, 0 }, "protocol error: continuation frame without a message")]
    [InlineData(new byte[] { 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xED }, "protocol error: invalid close code 1005")]
    [InlineData(new byte[] { 0x88, 0x81, 0, 0, 0, 0, 0x03 }, "protocol error: close frame with a one-byte payload")]
    public async Task A_telnyx_frame_that_breaks_RFC_6455_closes_telnyx_1002_and_the_bot_1011(byte[] frame, string reason)
    {
        await _telnyx.WriteAsync(frame, Wait.Token());

        var atTelnyx = await _telnyxSocket.ReceiveAsync(new byte[16], Wait.Token());
        Assert.Equal((WebSocketMessageType.Close, WebSocketCloseStatus.ProtocolError, reason), (atTelnyx.MessageType, _telnyxSocket.CloseStatus, _telnyxSocket.CloseStatusDescription));
        await _botSocket.ReceiveAsync(new byte[16], Wait.Token());
        Assert.Equal((WebSocketCloseStatus.InternalServerError, "telnyx protocol error"), (_botSocket.CloseStatus, _botSocket.CloseStatusDescription));
    }

    [Fact]
    public async Task A_masked_bot_frame_closes_the_bot_1002()
    {
        await _bot.WriteAsync(RawFrames.ClientText("{}"), Wait.Token());

        await _botSocket.ReceiveAsync(new byte[16], Wait.Token());
        Assert.Equal((WebSocketCloseStatus.ProtocolError, "protocol error: masked frame from a server"), (_botSocket.CloseStatus, _botSocket.CloseStatusDescription));
    }

    [Fact]
    public async Task A_fragmented_message_over_the_limit_closes_both_legs_1009_before_its_last_frame_is_forwarded()
    {
        var first = RawFrames.ClientText(new string('a', 600), fin: false);
        await _telnyx.WriteAsync(first, Wait.Token());
        Assert.Equal(first, await ReadExactlyAsync(_bot, first.Length));

        await _telnyx.WriteAsync(RawFrames.ClientText(new string('b', 600), opcode: RawFrames.Continuation), Wait.Token());

        await _telnyxSocket.ReceiveAsync(new byte[16], Wait.Token());
        Assert.Equal((WebSocketCloseStatus.MessageTooBig, "telnyx message exceeds 1024 bytes"), (_telnyxSocket.CloseStatus, _telnyxSocket.CloseStatusDescription));

        // Next on the bot's wire: the close (masked, as the gateway is the bot's client), not a byte of the second frame.
        var close = await ReadExactlyAsync(_bot, 2);
        Assert.Equal((0x88, 0x80 | (2 + "telnyx message exceeds 1024 bytes".Length)), (close[0], close[1]));
    }

    [Fact]
    public async Task A_drain_close_waits_for_the_frame_being_forwarded_then_reaches_both_legs_with_1001()
    {
        var media = RawFrames.ClientText("""{"event":"media","media":{"payload":"AAAAAAAAAAAA"}}""");
        await _telnyx.WriteAsync(media.AsMemory(0, 10), Wait.Token());
        await Task.Delay(200);

        var closing = _relay.CloseAsync(CloseCodes.GatewayShuttingDown, CloseCodes.GatewayShuttingDownReason);
        await Task.Delay(100);
        Assert.False(closing.IsCompleted);
        await _telnyx.WriteAsync(media.AsMemory(10), Wait.Token());

        // The bot sees the rest of the frame first, then the close: its framework reads both cleanly.
        Assert.Equal("""{"event":"media","media":{"payload":"AAAAAAAAAAAA"}}""", await ReceiveTextAsync(_botSocket));
        await _botSocket.ReceiveAsync(new byte[16], Wait.Token());
        Assert.Equal((WebSocketCloseStatus.EndpointUnavailable, CloseCodes.GatewayShuttingDownReason), (_botSocket.CloseStatus, _botSocket.CloseStatusDescription));
        await _telnyxSocket.ReceiveAsync(new byte[16], Wait.Token());
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, _telnyxSocket.CloseStatus);
        await closing.WaitAsync(Wait.Timeout);

        await _telnyxSocket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, Wait.Token());
        await _botSocket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, null, Wait.Token());
        Assert.Equal(CallEnd.GatewayClosed, (await _relaying.WaitAsync(Wait.Timeout)).End);
    }

    [Fact]
    public async Task A_bot_that_vanishes_mid_frame_drops_telnyx_rather_than_cut_the_frame_with_a_close()
    {
        var large = RawFrames.ServerText(new string('x', 500));
        await _bot.WriteAsync(large.AsMemory(0, 100), Wait.Token());
        Assert.Equal(large.AsSpan(0, 100).ToArray(), await ReadExactlyAsync(_telnyx, 100));

        _bot.Dispose();

        Assert.Equal(CallEnd.BotLost, (await _relaying.WaitAsync(Wait.Timeout)).End);

        // Telnyx's connection ends with no byte after the cut frame: a close there would read as the frame's payload.
        var rest = new MemoryStream();
        await _telnyx.CopyToAsync(rest, Wait.Token());
        Assert.Equal(0, rest.Length);
    }

    public ValueTask DisposeAsync() => _rig.DisposeAsync();

    private static Task<byte[]> ReadExactlyAsync(Stream stream, int count) => RelayRig.ReadExactlyAsync(stream, count);

    private static Task<string> ReceiveTextAsync(WebSocket socket) => RelayRig.ReceiveTextAsync(socket);
}
