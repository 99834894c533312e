using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Core;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Metrics;

/// <summary>
/// <c>gateway_call_setup_stage_seconds</c>: each step of a set-up timed on its own, so that a slow set-up shows whether
/// the registry, Redis, the bot or Telnyx took the time.
/// </summary>
public sealed class SetupStageMetricsTests : GatewayWithBotTest
{
    private static readonly TimeSpan BotDelay = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan TelnyxDelay = TimeSpan.FromMilliseconds(400);

    // Well below the 0.1 s that separates either delay from the 0.25 s bucket the other stages must stay in.
    private const double TimerSlack = 0.02;

    [Fact]
    public async Task Every_stage_is_exported_from_the_first_scrape()
    {
        var scrape = await MetricsText.ScrapeAsync(Gateway);

        Assert.All(SetupStages.All, stage => Assert.Equal(0, scrape.Value(Count(stage))));
    }

    [Fact]
    public async Task Each_stage_of_a_call_routed_by_its_url_is_timed_once_and_holds_its_own_time()
    {
        Bot.UpgradeDelay = BotDelay;
        var call = TelnyxCallInfo.CreateRandom();
        await using var telnyx = await TestCalls.DialAsync(Gateway.CallUri(TestCalls.SupportQuery));
        // Telnyx takes its time to send its first frames after the 101.
        await Task.Delay(TelnyxDelay);
        await TestCalls.SendHandshakeAsync(telnyx, call);
        var bot = await Bot.NextCallAsync();
        Assert.Equal(TelnyxFrames.Connected(), (await bot.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await bot.ReceiveAsync()).Payload);

        var scrape = await MetricsText.ScrapeAsync(Gateway);
        Assert.All(SetupStages.All, stage => Assert.Equal(1, scrape.Value(Count(stage))));

        // The bot's wait is in bot_connect alone, Telnyx's in start_frame alone (a delay may end a timer tick early).
        Assert.InRange(scrape.Value(Sum(SetupStages.BotConnect))!.Value, BotDelay.TotalSeconds - TimerSlack, 5);
        Assert.InRange(scrape.Value(Sum(SetupStages.StartFrame))!.Value, TelnyxDelay.TotalSeconds - TimerSlack, 5);
        Assert.All(
            [SetupStages.Route, SetupStages.Claim, SetupStages.CallerUpgrade],
            stage => Assert.Equal(1, scrape.Value($"gateway_call_setup_stage_seconds_bucket{{stage=\"{stage}\",le=\"0.25\"}}")));

        await telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
        await Gateway.AssertCallGoneAsync(Support);
    }

    [Fact]
    public async Task A_call_routed_by_its_start_frame_is_timed_in_the_same_stages()
    {
        var call = TelnyxCallInfo.CreateRandom(customParameters: new Dictionary<string, string> { ["serviceHost"] = "support.acme" });
        await using var telnyx = await TestCalls.DialAsync(Gateway.CallUri());
        await TestCalls.SendHandshakeAsync(telnyx, call);
        var bot = await Bot.NextCallAsync();
        Assert.Equal(TelnyxFrames.Connected(), (await bot.ReceiveAsync()).Payload);

        var scrape = await MetricsText.ScrapeAsync(Gateway);
        Assert.All(SetupStages.All, stage => Assert.Equal(1, scrape.Value(Count(stage))));

        await telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
        await Gateway.AssertCallGoneAsync(Support);
    }

    [Fact]
    public async Task A_call_no_instance_answers_is_timed_in_the_stages_it_reached()
    {
        await Gateway.PutAgentAsync("acme", "support", ("gone-1", new Uri("ws://127.0.0.1:9/ws"), 1));

        var refused = await UpgradeRequest.SendAsync(Gateway.CallUri(TestCalls.SupportQuery));

        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.Status);
        var scrape = await MetricsText.ScrapeAsync(Gateway);
        Assert.Equal(1, scrape.Value(Count(SetupStages.Route)));
        // The claim of gone-1, then one that found no other instance.
        Assert.Equal(2, scrape.Value(Count(SetupStages.Claim)));
        Assert.Equal(1, scrape.Value(Count(SetupStages.BotConnect)));
        Assert.Equal(0, scrape.Value(Count(SetupStages.CallerUpgrade)));
        Assert.Equal(0, scrape.Value(Count(SetupStages.StartFrame)));
    }

    private static string Count(string stage) => $"gateway_call_setup_stage_seconds_count{{stage=\"{stage}\"}}";

    private static string Sum(string stage) => $"gateway_call_setup_stage_seconds_sum{{stage=\"{stage}\"}}";
}
