using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using Gateway.CallSimulator;
using Gateway.Claims;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Gateway.Tests.Calls;

/// <summary>
/// Callers who find every bot busy wait in their agent's queue, in arrival order across replicas, hearing hold audio;
/// a freed slot goes to the earliest of them, who gets a clear and then the bot; the wait ends with 1013 at its limit,
/// at once when the caller hangs up, and before the 101 when the queue is full.
/// </summary>
public sealed class CallQueueTests(ITestOutputHelper output) : TwoReplicasTest
{
    private const string AcmeSupport = "org=\"acme\",agent=\"support\"";

    // 20 ms of 8 kHz PCMU silence (0xFF), as the gateway plays it to Telnyx.
    private static readonly byte[] SilenceFrame = Encoding.UTF8.GetBytes(
        $$$"""{"event":"media","media":{"payload":"{{{Convert.ToBase64String(Enumerable.Repeat((byte)0xFF, 160).ToArray())}}}"}}""");

    [Fact]
    public async Task A_freed_slot_goes_to_the_earliest_waiting_caller_whichever_replica_holds_them()
    {
        await PutAgentAsync(maxWaitSeconds: 30, maxLength: 5);
        await using var holder = await TestCalls.ConnectAsync(First, Bot);

        // Two callers wait, the earlier on the second replica, the later on the first (where the slot will free).
        var (earlier, earlierCall) = await WaitInQueueAsync(Second, expectedWaiting: 1);
        var (later, laterCall) = await WaitInQueueAsync(First, expectedWaiting: 2);

        var freed = Stopwatch.StartNew();
        var taken = Bot.NextCallAsync();
        await holder.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye");
        var bot = await taken;
        var connected = freed.Elapsed;
        Assert.Equal(TelnyxFrames.Connected(), (await bot.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(earlierCall), (await bot.ReceiveAsync()).Payload);
        var cleared = await UntilPastHoldAsync(earlier);
        Assert.Equal("""{"event":"clear"}""", cleared.Text);

        // Reported, not asserted: a freed slot to the queued caller's bot (the README's figure).
        output.WriteLine($"slot freed on the first replica to the earliest caller's bot (second replica): {connected.TotalMilliseconds:0.0} ms; to its clear: {freed.Elapsed.TotalMilliseconds:0.0} ms");
        Assert.True(connected < TimeSpan.FromSeconds(1), $"the waiting caller was connected {connected.TotalMilliseconds:0} ms after the slot freed");

        // The call flows both ways; the later caller still waits, hearing hold audio.
        await bot.SendTextAsync(TelnyxFrames.BotMark("queued"));
        Assert.Equal(TelnyxFrames.BotMark("queued"), (await TestCalls.ReceiveAsync(earlier)).Payload);
        var media = TelnyxFrames.Media(earlierCall, 9, 1, 0, TelnyxFrames.SilenceFrame(1));
        await earlier.SendTextAsync(media);
        Assert.Equal(media, (await bot.ReceiveAsync()).Payload);
        Assert.Equal(SilenceFrame, (await TestCalls.ReceiveAsync(later)).Payload);
        Assert.Equal(1, await WaitingAsync());

        // Both replicas export the cluster-wide queue; the replica that connected the caller counts its wait.
        await MetricsText.UntilAsync(First, $"gateway_queue_waiting{{{AcmeSupport}}}", 1);
        var scrape = await MetricsText.UntilAsync(Second, $"gateway_queue_waiting{{{AcmeSupport}}}", 1);
        Assert.Equal(1, scrape.Value($"gateway_queue_outcomes_total{{{AcmeSupport},outcome=\"connected\"}}"));
        Assert.Equal(1, scrape.Value($"gateway_queue_wait_seconds_count{{{AcmeSupport},outcome=\"connected\"}}"));

        // Its turn comes when that call ends.
        var next = Bot.NextCallAsync();
        await earlier.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye");
        var laterBot = await next;
        await laterBot.ReceiveAsync();
        Assert.Equal(TelnyxFrames.Start(laterCall), (await laterBot.ReceiveAsync()).Payload);
        Assert.Equal("""{"event":"clear"}""", (await UntilPastHoldAsync(later)).Text);
        Assert.Equal(0, await WaitingAsync());
        await later.DisposeAsync();
        await earlier.DisposeAsync();
    }

    [Fact]
    public async Task A_caller_who_waits_past_max_wait_seconds_gets_1013_with_the_reason()
    {
        await PutAgentAsync(maxWaitSeconds: 1, maxLength: 5);
        await using var holder = await TestCalls.ConnectAsync(First, Bot);
        var (waiting, _) = await WaitInQueueAsync(Second, expectedWaiting: 1);

        var frame = await UntilPastHoldAsync(waiting);
        TestCalls.AssertClose(frame, (WebSocketCloseStatus)1013, "No bot of agent 'support.acme' came free within 1 s.");
        await waiting.CloseOutputAsync((WebSocketCloseStatus)1013, string.Empty);
        await Wait.UntilAsync(async () => await WaitingAsync() == 0, "the timed-out caller leaves the queue");
        Assert.Equal(1, Bot.TotalConnections);
        var scrape = await MetricsText.ScrapeAsync(Second);
        Assert.Equal(1, scrape.Value($"gateway_queue_outcomes_total{{{AcmeSupport},outcome=\"timed_out\"}}"));
        Assert.Equal(1, scrape.Value($"gateway_calls_ended_total{{{AcmeSupport},outcome=\"rejected_queue_timeout\"}}"));
        await waiting.DisposeAsync();
    }

    [Fact]
    public async Task A_waiting_caller_who_hangs_up_leaves_the_queue_and_the_next_one_gets_the_slot()
    {
        await PutAgentAsync(maxWaitSeconds: 30, maxLength: 5);
        await using var holder = await TestCalls.ConnectAsync(First, Bot);
        var (gone, _) = await WaitInQueueAsync(Second, expectedWaiting: 1);
        var (stays, staysCall) = await WaitInQueueAsync(First, expectedWaiting: 2);

        await gone.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "caller hung up");
        TestCalls.AssertClose(await UntilPastHoldAsync(gone), WebSocketCloseStatus.NormalClosure);
        await Wait.UntilAsync(async () => await WaitingAsync() == 1, "the caller who hung up leaves the queue");
        Assert.Equal(1, (await MetricsText.ScrapeAsync(Second)).Value($"gateway_queue_outcomes_total{{{AcmeSupport},outcome=\"abandoned\"}}"));

        var taken = Bot.NextCallAsync();
        await holder.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye");
        var bot = await taken;
        await bot.ReceiveAsync();
        Assert.Equal(TelnyxFrames.Start(staysCall), (await bot.ReceiveAsync()).Payload);
        Assert.Equal(2, Bot.TotalConnections);
        await stays.DisposeAsync();
        await gone.DisposeAsync();
    }

    [Fact]
    public async Task Beyond_max_length_a_caller_is_refused_before_the_101_as_without_a_queue()
    {
        await PutAgentAsync(maxWaitSeconds: 30, maxLength: 1);
        await using var holder = await TestCalls.ConnectAsync(First, Bot);
        var (waiting, _) = await WaitInQueueAsync(Second, expectedWaiting: 1);

        var (status, _, problem) = await UpgradeRequest.SendAsync(First.CallUri("serviceHost=support.acme"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("no_capacity", problem.GetProperty("code").GetString());
        Assert.Equal(1, await WaitingAsync());
        Assert.Equal(1, (await MetricsText.ScrapeAsync(First)).Value($"gateway_queue_outcomes_total{{{AcmeSupport},outcome=\"full\"}}"));
        await waiting.DisposeAsync();
    }

    [Fact]
    public async Task A_draining_replica_gives_its_callers_places_back_and_closes_them_with_1013_at_the_end_of_its_window()
    {
        await using var draining = await GatewayHost.StartAsync(Redis, Prefix, new Dictionary<string, string?> { ["Gateway:DrainWindow"] = "00:00:01" });
        await PutAgentAsync(maxWaitSeconds: 30, maxLength: 5);
        await Wait.UntilAsync(() => draining.Registry.Current.TryGet(Support, out var agent) && agent.Resource.Continuity is not null, "the agent reaches the third replica");
        await using var holder = await TestCalls.ConnectAsync(First, Bot);
        var (leaving, _) = await WaitInQueueAsync(draining, expectedWaiting: 1);
        var (staying, stayingCall) = await WaitInQueueAsync(Second, expectedWaiting: 2);

        var stopping = draining.DisposeAsync().AsTask();
        await Wait.UntilAsync(async () => await WaitingAsync() == 1, "the draining replica gives its caller's place back");
        var taken = Bot.NextCallAsync();
        await holder.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye");
        var bot = await taken;
        await bot.ReceiveAsync();
        Assert.Equal(TelnyxFrames.Start(stayingCall), (await bot.ReceiveAsync()).Payload);

        var close = await UntilPastHoldAsync(leaving);
        TestCalls.AssertClose(close, (WebSocketCloseStatus)1013, "gateway shutting down: the queue is closed");
        await leaving.AnswerCloseAsync(close, Wait.Token());
        await stopping;
        await leaving.DisposeAsync();
        await staying.DisposeAsync();
    }

    [Fact]
    public async Task Without_redis_a_call_routed_by_its_start_frame_waits_in_the_replicas_own_queue()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await gateway.PutAgentAsync(Support, new AgentResource
        {
            Instances = [new AgentInstance { Id = "bot-1", Url = Bot.WsUri, Capacity = 1 }],
            Continuity = new AgentContinuity { Queue = new QueuePolicy(maxWaitSeconds: 30, maxLength: 5), Hold = HoldAudioKind.Silence },
        });
        await using var holder = await TestCalls.ConnectAsync(gateway, Bot);
        var call = TelnyxCallInfo.CreateRandom(new Dictionary<string, string> { ["serviceHost"] = "support.acme" });
        await using var waiting = await TestCalls.DialAsync(gateway.CallUri());
        await TestCalls.SendHandshakeAsync(waiting, call);
        Assert.Equal(SilenceFrame, (await TestCalls.ReceiveAsync(waiting)).Payload);

        var taken = Bot.NextCallAsync();
        await holder.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye");
        var bot = await taken;
        Assert.Equal(TelnyxFrames.Connected(), (await bot.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await bot.ReceiveAsync()).Payload);
        Assert.Equal("""{"event":"clear"}""", (await UntilPastHoldAsync(waiting)).Text);
    }

    private async Task PutAgentAsync(int maxWaitSeconds, int maxLength)
    {
        await First.PutAgentAsync(Support, new AgentResource
        {
            Instances = [new AgentInstance { Id = "bot-1", Url = Bot.WsUri, Capacity = 1 }],
            Continuity = new AgentContinuity { Queue = new QueuePolicy(maxWaitSeconds, maxLength), Hold = HoldAudioKind.Silence },
        });
        await Wait.UntilAsync(() => Second.Registry.Current.TryGet(Support, out var agent) && agent.Resource.Continuity is not null, "the agent reaches the second replica");
    }

    /// <summary>Dials, sends the handshake and waits for the first hold frame (and, when given, that many callers queued).</summary>
    private async Task<(TelnyxCallClient Telnyx, TelnyxCallInfo Call)> WaitInQueueAsync(GatewayHost gateway, int? expectedWaiting)
    {
        var call = TelnyxCallInfo.CreateRandom();
        var telnyx = await TestCalls.DialAsync(gateway.CallUri("serviceHost=support.acme"));
        await TestCalls.SendHandshakeAsync(telnyx, call);
        Assert.Equal(SilenceFrame, (await TestCalls.ReceiveAsync(telnyx)).Payload);
        if (expectedWaiting is { } count)
        {
            Assert.Equal(count, await WaitingAsync());
        }

        return (telnyx, call);
    }

    private static async Task<ReceivedFrame> UntilPastHoldAsync(TelnyxCallClient telnyx)
    {
        ReceivedFrame frame;
        while ((frame = await TestCalls.ReceiveAsync(telnyx)).Payload.AsSpan().SequenceEqual(SilenceFrame))
        {
        }

        return frame;
    }

    private async Task<long> WaitingAsync() =>
        (await First.Services.GetRequiredService<IWaitingCallers>().CountAsync([Support], CancellationToken.None))[Support];
}
