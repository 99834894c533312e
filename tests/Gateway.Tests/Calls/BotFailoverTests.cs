using System.Net.WebSockets;
using System.Text;
using Gateway.CallSimulator;
using Gateway.Calls;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.Tests.Calls;

/// <summary>
/// A bot that drops mid-call is replaced: Telnyx's leg stays open and hears hold audio in its codec, then a clear, then
/// the new bot, which gets the call's first frames byte for byte, its session id and <c>X-Gateway-Reconnect</c>.
/// </summary>
public sealed class BotFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private BotServer _bot1 = null!;
    private BotServer _bot2 = null!;
    private GatewayHost _gateway = null!;

    private static readonly AgentKey Support = new("acme", "support");

    // 20 ms of 8 kHz PCMU silence (0xFF), as the gateway plays it to Telnyx.
    private static readonly byte[] SilenceFrame = Encoding.UTF8.GetBytes(
        $$$"""{"event":"media","media":{"payload":"{{{Convert.ToBase64String(Enumerable.Repeat((byte)0xFF, 160).ToArray())}}}"}}""");

    [Fact]
    public async Task A_bot_killed_mid_call_is_replaced_by_the_other_instance_while_telnyx_hears_hold_audio()
    {
        var call = TelnyxCallInfo.CreateRandom();
        await using var telnyx = await TestCalls.DialAsync(_gateway.CallUri("serviceHost=support.acme&body=" + TestCalls.Base64("""{"customer":"42"}""")));
        var (first, second, secondInstance) = await PlaceAsync(telnyx, call, _bot1, _bot2);

        var dropped = System.Diagnostics.Stopwatch.StartNew();
        first.Abort();

        var holdFrames = 0;
        ReceivedFrame frame;
        while ((frame = await TestCalls.ReceiveAsync(telnyx)).Payload.AsSpan().SequenceEqual(SilenceFrame))
        {
            holdFrames++;
        }

        Assert.True(holdFrames >= 1);
        Assert.Equal("""{"event":"clear"}""", frame.Text);

        // Reported, not asserted: what a caller hears between the drop and the new bot (the README's figure).
        output.WriteLine($"bot dropped to clear (the new bot has the call): {dropped.Elapsed.TotalMilliseconds:0.0} ms, {holdFrames} hold frames");
        var taker = await second;
        Assert.Equal(TelnyxFrames.Connected(), (await taker.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await taker.ReceiveAsync()).Payload);
        Assert.Equal(first.Headers["X-Daily-Session-Id"], taker.Headers["X-Daily-Session-Id"]);
        Assert.Equal("1", taker.Headers["X-Gateway-Reconnect"]);
        Assert.Equal(first.QueryString, taker.QueryString);

        // The call flows again both ways, on the new bot; the lost claim is gone and the record names the new instance.
        await taker.SendTextAsync(TelnyxFrames.BotMark("after-reconnect"));
        Assert.Equal(TelnyxFrames.BotMark("after-reconnect"), (await TestCalls.ReceiveAsync(telnyx)).Payload);
        var media = TelnyxFrames.Media(call, 9, 1, 0, TelnyxFrames.SilenceFrame(1));
        await telnyx.SendTextAsync(media);
        Assert.Equal(media, (await taker.ReceiveAsync()).Payload);
        Assert.Equal(1, await _gateway.ClaimCountAsync(Support));
        var session = Assert.Single(await _gateway.Sessions.ListAsync("acme"));
        Assert.Equal((secondInstance, 1), (session.InstanceId, session.Reconnects));

        await telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye");
        TestCalls.AssertClose(await taker.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "bye");
        await _gateway.AssertCallGoneAsync(Support);
    }

    [Fact]
    public async Task A_caller_held_with_the_agents_clip_hears_it_in_the_calls_codec_from_its_first_frame()
    {
        var samples = TestWavs.Tone(1);
        var wav = TestWavs.Pcm(samples);
        Assert.True(_gateway.Registry.Current.TryGet(Support, out var agent));
        Assert.NotNull(await _gateway.Registry.PutHoldClipIfRevisionAsync(Support, TestWavs.Reference(wav), wav, agent.Revision));
        await _gateway.PutAgentAsync(Support, Agent(2, HoldAudioKind.Clip, ("bot-1", _bot1), ("bot-2", _bot2)));
        var call = TelnyxCallInfo.CreateRandom();
        await using var telnyx = await TestCalls.DialAsync(_gateway.CallUri("serviceHost=support.acme"));
        var (first, second, _) = await PlaceAsync(telnyx, call, _bot1, _bot2);

        // The other instance takes a moment to answer, so the caller hears a good part of the clip first.
        _bot1.UpgradeDelay = _bot2.UpgradeDelay = TimeSpan.FromMilliseconds(300);
        first.Abort();
        var held = new List<byte[]>();
        ReceivedFrame frame;
        while ((frame = await TestCalls.ReceiveAsync(telnyx)).Text != """{"event":"clear"}""")
        {
            held.Add(frame.Payload);
        }

        // 20 ms PCMU frames of the clip (a 440 Hz tone, so none is silence), in order from its first.
        Assert.InRange(held.Count, 5, 50);
        Assert.Equal(HoldAudio.ClipFrames(samples, 8000, "PCMU", 8000).Take(held.Count), held);
        Assert.Equal(Base64Payload(samples.Take(160).Select(G711.MuLaw)), held[0]);
        var taker = await second;
        Assert.Equal(TelnyxFrames.Connected(), (await taker.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await taker.ReceiveAsync()).Payload);

        await telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye");
        TestCalls.AssertClose(await taker.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "bye");
        await _gateway.AssertCallGoneAsync(Support);
    }

    [Fact]
    public async Task A_bot_that_ends_the_call_with_1000_is_not_replaced()
    {
        await using var telnyx = await TestCalls.DialAsync(_gateway.CallUri("serviceHost=support.acme"));
        var (first, second, _) = await PlaceAsync(telnyx, TelnyxCallInfo.CreateRandom(), _bot1, _bot2);

        await first.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "goodbye");

        TestCalls.AssertClose(await TestCalls.ReceiveAsync(telnyx), WebSocketCloseStatus.NormalClosure, "goodbye");
        await telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "goodbye");
        await _gateway.AssertCallGoneAsync(Support);
        Assert.False(second.IsCompleted);
    }

    [Fact]
    public async Task A_caller_who_hangs_up_while_held_ends_the_call_and_frees_everything()
    {
        await using var telnyx = await TestCalls.DialAsync(_gateway.CallUri("serviceHost=support.acme"));
        var (first, _, _) = await PlaceAsync(telnyx, TelnyxCallInfo.CreateRandom(), _bot1, _bot2);

        // The other instance takes its time to answer: the caller is still on hold when they hang up.
        _bot1.UpgradeDelay = _bot2.UpgradeDelay = TimeSpan.FromSeconds(3);
        first.Abort();
        Assert.Equal(SilenceFrame, (await TestCalls.ReceiveAsync(telnyx)).Payload);
        await telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "caller hung up");

        ReceivedFrame frame;
        while (!(frame = await TestCalls.ReceiveAsync(telnyx)).IsClose)
        {
            Assert.Equal(SilenceFrame, frame.Payload);
        }

        await _gateway.AssertCallGoneAsync(Support);
    }

    [Fact]
    public async Task When_the_attempts_are_used_up_the_call_ends_with_1011_as_without_continuity()
    {
        var bot = _bot1;
        await _gateway.PutAgentAsync(Support, Agent(1, ("bot-1", bot)));
        var call = TelnyxCallInfo.CreateRandom();
        await using var telnyx = await TestCalls.DialAsync(_gateway.CallUri("serviceHost=support.acme"));
        await TestCalls.SendHandshakeAsync(telnyx, call);
        var first = await bot.NextCallAsync();
        await first.ReceiveAsync();
        await first.ReceiveAsync();

        // The only instance takes the call again (no other has room), then drops it a second time.
        first.Abort();
        var again = await bot.NextCallAsync();
        Assert.Equal("1", again.Headers["X-Gateway-Reconnect"]);
        Assert.Equal(TelnyxFrames.Connected(), (await again.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await again.ReceiveAsync()).Payload);
        again.Abort();

        ReceivedFrame frame;
        while (!(frame = await TestCalls.ReceiveAsync(telnyx)).IsClose)
        {
        }

        TestCalls.AssertClose(frame, WebSocketCloseStatus.InternalServerError, "bot connection lost");
        await telnyx.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, string.Empty);
        await _gateway.AssertCallGoneAsync(Support);
    }

    public async Task InitializeAsync()
    {
        _bot1 = await BotServer.StartAsync();
        _bot2 = await BotServer.StartAsync();
        _gateway = await GatewayHost.StartAsync();
        await _gateway.PutAgentAsync(Support, Agent(2, ("bot-1", _bot1), ("bot-2", _bot2)));
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _bot1.DisposeAsync();
        await _bot2.DisposeAsync();
    }

    private static AgentResource Agent(int attempts, params (string Id, BotServer Bot)[] instances) => Agent(attempts, HoldAudioKind.Silence, instances);

    private static AgentResource Agent(int attempts, string hold, params (string Id, BotServer Bot)[] instances) => new()
    {
        Instances = [.. instances.Select(i => new AgentInstance { Id = i.Id, Url = i.Bot.WsUri, Capacity = 1 })],
        Continuity = new AgentContinuity { Reconnect = new ReconnectPolicy(attempts: attempts, withinSeconds: 5), Hold = hold },
    };

    /// <summary>A Telnyx media frame of these payload bytes, written out here rather than by the gateway's code.</summary>
    private static byte[] Base64Payload(IEnumerable<byte> payload) =>
        Encoding.UTF8.GetBytes($$$"""{"event":"media","media":{"payload":"{{{Convert.ToBase64String(payload.ToArray())}}}"}}""");

    /// <summary>Places the call; returns the bot that took it (its first frames read), the other bot's next call and its id.</summary>
    private static async Task<(BotCall First, Task<BotCall> Second, string SecondInstance)> PlaceAsync(TelnyxCallClient telnyx, TelnyxCallInfo call, BotServer bot1, BotServer bot2)
    {
        var at1 = bot1.NextCallAsync();
        var at2 = bot2.NextCallAsync();
        await TestCalls.SendHandshakeAsync(telnyx, call);
        var taken = await Task.WhenAny(at1, at2);
        var first = await taken;
        Assert.Equal(TelnyxFrames.Connected(), (await first.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await first.ReceiveAsync()).Payload);
        return taken == at1 ? (first, at2, "bot-2") : (first, at1, "bot-1");
    }
}
