using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.CallSimulator;

/// <summary>
/// The call every simulated call plays (<see cref="SimulatedCall"/>), through <see cref="CallRunner"/> and through a
/// subclass that records every hook as the benchmark's calls use them, against a bot the test drives: how a call ends
/// and the exact words for each way it can fail.
/// </summary>
public sealed class SimulatedCallTests
{
    [Fact]
    public async Task A_call_the_bot_echoes_and_closes_succeeds_with_every_frame_counted()
    {
        await using var bot = await BotServer.StartAsync();
        var options = new CallOptions(bot.WsUri, TimeSpan.FromMilliseconds(100)) { CloseAfterStop = false };
        var run = new CallRunner(TimeProvider.System).RunAsync(options, Wait.Token());
        var botCall = await bot.NextCallAsync();

        Assert.Equal(["connected", "start", "media", "media", "media", "dtmf", "media", "media", "stop"], await EchoUntilStopAsync(botCall));
        await botCall.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "call ended");
        var report = await run;

        Assert.Null(report.Error);
        Assert.Equal(9, report.FramesSent);
        Assert.Equal(new Dictionary<string, int> { ["media"] = 5 }, report.FramesReceived);
        Assert.Equal(5, report.RoundTrips.Count);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, report.CloseStatus);
        Assert.Equal("call ended", report.CloseDescription);
        TestCalls.AssertClose(await botCall.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "call ended");
    }

    [Fact]
    public async Task After_stop_the_call_closes_the_stream_itself_with_1000_as_Telnyx_does()
    {
        await using var bot = await BotServer.StartAsync();
        var run = new CallRunner(TimeProvider.System).RunAsync(new CallOptions(bot.WsUri, TimeSpan.FromMilliseconds(60)), Wait.Token());
        var botCall = await bot.NextCallAsync();
        // The bot reads ahead of the test: its answer to the close waits until the test has echoed every frame.
        botCall.CloseAnswerDelay = TimeSpan.FromMilliseconds(300);

        Assert.Equal(["connected", "start", "media", "media", "dtmf", "media", "stop"], await EchoUntilStopAsync(botCall));
        TestCalls.AssertClose(await botCall.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "call ended");
        var report = await run;

        Assert.Null(report.Error);
        Assert.Equal(3, report.RoundTrips.Count);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, report.CloseStatus);
    }

    [Fact]
    public async Task A_close_the_other_side_never_answers_fails_the_call_which_then_drops_the_connection()
    {
        await using var bot = await BotServer.StartAsync();
        var options = new CallOptions(bot.WsUri, TimeSpan.FromMilliseconds(40)) { CloseTimeout = TimeSpan.FromMilliseconds(300) };
        var run = new CallRunner(TimeProvider.System).RunAsync(options, Wait.Token());
        var botCall = await bot.NextCallAsync();
        botCall.CloseAnswerDelay = TimeSpan.FromSeconds(3);
        await ReceiveUntilStopAsync(botCall);
        TestCalls.AssertClose(await botCall.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "call ended");

        var report = await run;

        Assert.Equal("the other side did not answer the close within 0.3 s", report.Error);
    }

    [Fact]
    public async Task A_bot_that_closes_mid_call_ends_it_and_is_named_as_the_side_that_did()
    {
        await using var bot = await BotServer.StartAsync();
        var run = new CallRunner(TimeProvider.System).RunAsync(new CallOptions(bot.WsUri, TimeSpan.FromSeconds(30)), Wait.Token());
        var botCall = await bot.NextCallAsync();
        await botCall.ReceiveAsync();
        await botCall.ReceiveAsync();

        await botCall.CloseOutputAsync((WebSocketCloseStatus)4000, "bot crashed");
        var report = await run;

        Assert.Equal("the other side ended the stream before the call was over", report.Error);
        Assert.Equal((WebSocketCloseStatus)4000, report.CloseStatus);
        Assert.Equal("bot crashed", report.CloseDescription);
    }

    [Fact]
    public async Task A_bot_that_never_closes_fails_the_call_which_then_closes_the_stream_itself()
    {
        await using var bot = await BotServer.StartAsync();
        var options = new CallOptions(bot.WsUri, TimeSpan.FromMilliseconds(40)) { CloseTimeout = TimeSpan.FromMilliseconds(300), CloseAfterStop = false };
        var run = new CallRunner(TimeProvider.System).RunAsync(options, Wait.Token());
        var botCall = await bot.NextCallAsync();
        await ReceiveUntilStopAsync(botCall);

        var report = await run;

        Assert.Equal("no close from the other side within 0.3 s of the stop frame", report.Error);
        TestCalls.AssertClose(await botCall.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "call ended");
    }

    [Fact]
    public async Task A_refused_upgrade_is_reported_with_its_status()
    {
        await using var bot = await BotServer.StartAsync();

        var report = await new CallRunner(TimeProvider.System).RunAsync(
            new CallOptions(new Uri(bot.WsUri, "/nobody"), TimeSpan.FromMilliseconds(40)),
            Wait.Token());

        Assert.Equal("upgrade refused: HTTP 404 (NotFound)", report.Error);
        Assert.Equal(HttpStatusCode.NotFound, report.RefusedStatus);
        Assert.Null(report.SetupTime);
    }

    [Fact]
    public async Task A_subclass_sees_every_frame_then_the_close_and_names_the_other_side_its_own_way()
    {
        await using var bot = await BotServer.StartAsync();
        var call = new ProbeCall(bot.WsUri, mediaFrames: 30);
        var run = call.RunAsync(Wait.Token());
        var botCall = await bot.NextCallAsync();
        await botCall.ReceiveAsync();
        await botCall.SendTextAsync(TelnyxFrames.BotMark("first"));
        await botCall.SendBinaryAsync(new byte[] { 1, 2, 3 });

        await botCall.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "go away");
        await run;

        Assert.Equal(["connected", "text {\"event\":\"mark\",\"mark\":{\"name\":\"first\"}}", "binary 3 bytes", "close 1008 go away"], call.Events);
        Assert.Equal(["the bot side ended the stream before the call was over"], call.Failures);
    }

    [Fact]
    public async Task A_subclass_without_its_own_close_drops_an_unanswered_stream_after_the_close_timeout()
    {
        await using var bot = await BotServer.StartAsync();
        var call = new ProbeCall(bot.WsUri, mediaFrames: 1) { CloseWait = TimeSpan.FromMilliseconds(200), DropUnansweredStream = true };
        var run = call.RunAsync(Wait.Token());
        var botCall = await bot.NextCallAsync();
        await ReceiveUntilStopAsync(botCall);

        await run;

        Assert.Equal(
            ["no close from the bot side within 0.2 s of the stop frame", "connection aborted"],
            call.Failures);
    }

    [Fact]
    public async Task An_upgrade_slower_than_the_connect_timeout_fails_the_call()
    {
        await using var bot = await BotServer.StartAsync();
        bot.UpgradeDelay = TimeSpan.FromSeconds(30);
        var call = new ProbeCall(bot.WsUri, mediaFrames: 1) { ConnectWait = TimeSpan.FromSeconds(1) };

        await call.RunAsync(Wait.Token());

        Assert.Equal(["no 101 within 1 s"], call.Failures);
        Assert.Empty(call.Events);
    }

    [Fact]
    public async Task A_call_cancelled_before_its_upgrade_says_so()
    {
        await using var bot = await BotServer.StartAsync();
        var call = new ProbeCall(bot.WsUri, mediaFrames: 1) { ConnectWait = TimeSpan.FromSeconds(1) };

        await call.RunAsync(new CancellationToken(canceled: true));

        Assert.Equal(["cancelled before the stream was connected"], call.Failures);
    }

    [Fact]
    public async Task A_port_nobody_listens_on_fails_the_connect()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var call = new ProbeCall(new Uri($"ws://127.0.0.1:{port}/ws"), mediaFrames: 1);

        await call.RunAsync(Wait.Token());

        var failure = Assert.Single(call.Failures);
        Assert.StartsWith("connect failed: ", failure, StringComparison.Ordinal);
        Assert.False(failure.EndsWith('.'), failure);
        Assert.Null(call.Refusal);
    }

    /// <summary>The bot's side of a call up to its stop frame, each media frame echoed back; the events in order.</summary>
    private static async Task<List<string>> EchoUntilStopAsync(BotCall botCall)
    {
        var events = new List<string>();
        while (true)
        {
            var frame = await botCall.ReceiveAsync();
            using var document = JsonDocument.Parse(frame.Payload);
            var eventName = document.RootElement.GetProperty("event").GetString()!;
            events.Add(eventName);
            if (eventName == "media")
            {
                var audio = document.RootElement.GetProperty("media").GetProperty("payload").GetBytesFromBase64();
                Assert.Equal(TelnyxFrames.SilenceFrameLength, audio.Length);
                await botCall.SendTextAsync(TelnyxFrames.BotMedia(audio));
            }

            if (eventName == "stop")
            {
                return events;
            }
        }
    }

    private static async Task ReceiveUntilStopAsync(BotCall botCall)
    {
        while (!(await botCall.ReceiveAsync()).Text.Contains("\"event\":\"stop\"", StringComparison.Ordinal))
        {
        }
    }

    /// <summary>Sends connected, media frames of silence and stop; records every hook, its frames through the copying one.</summary>
    private sealed class ProbeCall(Uri url, int mediaFrames) : SimulatedCall(TimeProvider.System)
    {
        private readonly List<string> _events = [];
        private readonly List<string> _failures = [];

        public TimeSpan? ConnectWait { get; init; }

        public TimeSpan CloseWait { get; init; } = TimeSpan.FromSeconds(5);

        public bool DropUnansweredStream { get; init; }

        public HttpStatusCode? Refusal { get; private set; }

        public IReadOnlyList<string> Events { get { lock (_events) { return [.. _events]; } } }

        public IReadOnlyList<string> Failures { get { lock (_failures) { return [.. _failures]; } } }

        protected override string Peer => "the bot side";

        protected override TimeSpan? ConnectTimeout => ConnectWait;

        protected override TimeSpan CloseTimeout => CloseWait;

        public Task RunAsync(CancellationToken cancellationToken) => RunAsync(url, headers: null, cancellationToken);

        protected override void Connected(TimeSpan setupTime) => Record("connected");

        protected override async Task SendFramesAsync(TelnyxCallClient client, CancellationToken token)
        {
            var call = TelnyxCallInfo.CreateRandom();
            await client.SendTextAsync(TelnyxFrames.Connected(), token);
            using var media = new MediaFrameWriter(call, TelnyxFrames.SilenceFrameLength);
            var audio = TelnyxFrames.SilenceFrame(0);
            for (var index = 0; index < mediaFrames; index++)
            {
                await Task.Delay(CallRunner.FrameInterval, token);
                TelnyxFrames.StampSilenceIndex(audio, index);
                await client.SendTextAsync(media.WriteAt(index + 2, index, audio), token);
            }

            await client.SendTextAsync(TelnyxFrames.Stop(call, mediaFrames + 2), token);
        }

        protected override void FrameReceived(ReceivedFrame frame) =>
            Record(frame.Type == WebSocketMessageType.Text ? $"text {frame.Text}" : $"binary {frame.Payload.Length} bytes");

        protected override void CloseReceived(ReceivedFrame close) => Record($"close {(int?)close.CloseStatus} {close.CloseDescription}");

        protected override void Fail(string reason)
        {
            lock (_failures)
            {
                _failures.Add(reason);
            }
        }

        protected override void Refused(HttpStatusCode? status, string reason)
        {
            Refusal = status;
            base.Refused(status, reason);
        }

        protected override Task CloseUnansweredAsync(TelnyxCallClient client, CancellationToken cancellationToken)
        {
            if (!DropUnansweredStream)
            {
                return base.CloseUnansweredAsync(client, cancellationToken);
            }

            client.Abort();
            return Task.CompletedTask;
        }

        private void Record(string item)
        {
            lock (_events)
            {
                _events.Add(item);
            }
        }
    }
}
