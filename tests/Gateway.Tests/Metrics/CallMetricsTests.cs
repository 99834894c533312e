using System.Net;
using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Metrics;

/// <summary>What <c>/metrics</c> says about calls: started, active, ended by outcome, setup time, frames and bytes.</summary>
public sealed class CallMetricsTests : GatewayWithBotTest
{
    private const string AcmeSupport = "org=\"acme\",agent=\"support\"";

    /// <summary>How a test call ends.</summary>
    public enum Ending
    {
        BotClosesWithAnError,
        BotVanishes,
        TelnyxClosesGoingAway,
        TelnyxVanishes,
    }

    [Fact]
    public async Task A_call_is_counted_from_its_start_to_its_end_with_every_frame_and_byte_in_both_directions()
    {
        var before = await MetricsText.ScrapeAsync(Gateway);
        Assert.DoesNotContain(before.Series, s => s.StartsWith("gateway_calls_", StringComparison.Ordinal));
        Assert.Equal(0, before.Value("gateway_claims_held"));

        await using var live = await TestCalls.ConnectAsync(Gateway, Bot);
        List<byte[]> toBot = [TelnyxFrames.Connected(), TelnyxFrames.Start(live.Call)];
        for (var i = 0; i < 3; i++)
        {
            var media = TelnyxFrames.Media(live.Call, i + 3, i + 1, i * 20, TelnyxFrames.SilenceFrame(i));
            await live.Telnyx.SendTextAsync(media);
            Assert.Equal(media, (await live.Bot.ReceiveAsync()).Payload);
            toBot.Add(media);
        }

        List<byte[]> toCaller = [];
        for (var i = 0; i < 2; i++)
        {
            var media = TelnyxFrames.BotMedia(TelnyxFrames.SilenceFrame(10 + i));
            await live.Bot.SendTextAsync(media);
            Assert.Equal(media, (await TestCalls.ReceiveAsync(live.Telnyx)).Payload);
            toCaller.Add(media);
        }

        // While the call lives: its frames are in the counters as soon as Prometheus looks, not only at its end.
        await MetricsText.UntilAsync(Gateway, $"gateway_relayed_frames_total{{{AcmeSupport},direction=\"to_caller\"}}", 2);
        var during = await MetricsText.UntilAsync(Gateway, $"gateway_relayed_frames_total{{{AcmeSupport},direction=\"to_bot\"}}", 5);
        Assert.Equal(1, during.Value($"gateway_calls_active{{{AcmeSupport}}}"));
        Assert.Equal(1, during.Value($"gateway_calls_started_total{{{AcmeSupport}}}"));
        Assert.Equal(1, during.Value("gateway_claims_held"));
        Assert.Equal(toBot.Sum(f => f.Length), during.Value($"gateway_relayed_bytes_total{{{AcmeSupport},direction=\"to_bot\"}}"));
        Assert.Equal(toCaller.Sum(f => f.Length), during.Value($"gateway_relayed_bytes_total{{{AcmeSupport},direction=\"to_caller\"}}"));
        Assert.Equal(1, during.Value($"gateway_call_setup_duration_seconds_count{{{AcmeSupport}}}"));
        Assert.DoesNotContain(during.Series, s => s.StartsWith("gateway_calls_ended_total", StringComparison.Ordinal));

        await live.Telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
        await Gateway.AssertCallGoneAsync(Support);

        var after = await MetricsText.ScrapeAsync(Gateway);
        Assert.Equal(["gateway_calls_ended_total{org=\"acme\",agent=\"support\",outcome=\"normal\"}"], EndedSeries(after));
        Assert.Equal(1, after.Value($"gateway_calls_ended_total{{{AcmeSupport},outcome=\"normal\"}}"));
        Assert.Equal(0, after.Value($"gateway_calls_active{{{AcmeSupport}}}"));
        Assert.Equal(1, after.Value($"gateway_calls_started_total{{{AcmeSupport}}}"));
        Assert.Equal(0, after.Value("gateway_claims_held"));
        Assert.Equal(5, after.Value($"gateway_relayed_frames_total{{{AcmeSupport},direction=\"to_bot\"}}"));
        Assert.Equal(2, after.Value($"gateway_relayed_frames_total{{{AcmeSupport},direction=\"to_caller\"}}"));
        Assert.Equal(toBot.Sum(f => f.Length), after.Value($"gateway_relayed_bytes_total{{{AcmeSupport},direction=\"to_bot\"}}"));
        Assert.Equal(toCaller.Sum(f => f.Length), after.Value($"gateway_relayed_bytes_total{{{AcmeSupport},direction=\"to_caller\"}}"));

        // One observation of setup time, on loopback well under the top bucket.
        Assert.Equal(1, after.Value($"gateway_call_setup_duration_seconds_count{{{AcmeSupport}}}"));
        Assert.Equal(1, after.Value($"gateway_call_setup_duration_seconds_bucket{{{AcmeSupport},le=\"5\"}}"));
        Assert.Equal(1, after.Value($"gateway_call_setup_duration_seconds_bucket{{{AcmeSupport},le=\"+Inf\"}}"));
        Assert.InRange(after.Value($"gateway_call_setup_duration_seconds_sum{{{AcmeSupport}}}")!.Value, 1e-6, 5);
    }

    [Theory]
    [InlineData(Ending.BotClosesWithAnError, "bot_closed")]
    [InlineData(Ending.BotVanishes, "bot_lost")]
    [InlineData(Ending.TelnyxClosesGoingAway, "caller_closed")]
    [InlineData(Ending.TelnyxVanishes, "caller_lost")]
    public async Task A_call_ended_otherwise_than_normally_is_counted_under_its_outcome(Ending ending, string outcome)
    {
        await using var live = await TestCalls.ConnectAsync(Gateway, Bot);
        switch (ending)
        {
            case Ending.BotClosesWithAnError:
                await live.Bot.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "pipeline failed");
                await live.Telnyx.AnswerCloseAsync(await TestCalls.ReceiveAsync(live.Telnyx), Wait.Token());
                break;
            case Ending.BotVanishes:
                live.Bot.Abort();
                await live.Telnyx.AnswerCloseAsync(await TestCalls.ReceiveAsync(live.Telnyx), Wait.Token());
                break;
            case Ending.TelnyxClosesGoingAway:
                await live.Telnyx.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "going away", Wait.Token());
                break;
            case Ending.TelnyxVanishes:
                live.Telnyx.Abort();
                break;
        }

        await Gateway.AssertCallGoneAsync(Support);
        var after = await MetricsText.ScrapeAsync(Gateway);
        Assert.Equal([$"gateway_calls_ended_total{{{AcmeSupport},outcome=\"{outcome}\"}}"], EndedSeries(after));
        Assert.Equal(1, after.Value($"gateway_calls_ended_total{{{AcmeSupport},outcome=\"{outcome}\"}}"));
        Assert.Equal(0, after.Value($"gateway_calls_active{{{AcmeSupport}}}"));
    }

    [Fact]
    public async Task Refusals_are_counted_by_code_labelled_only_with_agents_the_registry_holds()
    {
        await PutPausedAgentAsync();
        await using var live = await TestCalls.ConnectAsync(Gateway, Bot);

        Assert.Equal(HttpStatusCode.NotFound, (await UpgradeRequest.SendAsync(Gateway.CallUri("serviceHost=nosuch.acme"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await UpgradeRequest.SendAsync(Gateway.CallUri("serviceHost=support.nosuchorg"))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await UpgradeRequest.SendAsync(Gateway.CallUri("serviceHost=Bad_Host"))).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await UpgradeRequest.SendAsync(Gateway.CallUri("serviceHost=paused.acme"))).Status);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await UpgradeRequest.SendAsync(Gateway.CallUri(TestCalls.SupportQuery))).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await UpgradeRequest.SendAsync(Gateway.CallUri(TestCalls.SupportQuery), upgrade: false)).Status);

        var scrape = await MetricsText.ScrapeAsync(Gateway);
        Assert.Equal(
            [
                "gateway_calls_ended_total{org=\"\",agent=\"\",outcome=\"rejected_invalid_service_host\"}",
                "gateway_calls_ended_total{org=\"\",agent=\"\",outcome=\"rejected_not_websocket\"}",
                "gateway_calls_ended_total{org=\"\",agent=\"\",outcome=\"rejected_unknown_agent\"}",
                "gateway_calls_ended_total{org=\"acme\",agent=\"paused\",outcome=\"rejected_agent_disabled\"}",
                "gateway_calls_ended_total{org=\"acme\",agent=\"support\",outcome=\"rejected_no_capacity\"}",
            ],
            EndedSeries(scrape));
        Assert.Equal(2, scrape.Value("gateway_calls_ended_total{org=\"\",agent=\"\",outcome=\"rejected_unknown_agent\"}"));
        Assert.Equal(1, scrape.Value("gateway_calls_ended_total{org=\"\",agent=\"\",outcome=\"rejected_invalid_service_host\"}"));
        Assert.Equal(1, scrape.Value("gateway_calls_ended_total{org=\"\",agent=\"\",outcome=\"rejected_not_websocket\"}"));
        Assert.Equal(1, scrape.Value("gateway_calls_ended_total{org=\"acme\",agent=\"paused\",outcome=\"rejected_agent_disabled\"}"));
        Assert.Equal(1, scrape.Value("gateway_calls_ended_total{org=\"acme\",agent=\"support\",outcome=\"rejected_no_capacity\"}"));

        // Only the call that reached its bot started; what callers typed never becomes a label.
        Assert.Equal(1, scrape.Value($"gateway_calls_started_total{{{AcmeSupport}}}"));
        Assert.Equal(["gateway_calls_started_total{org=\"acme\",agent=\"support\"}"], [.. scrape.Series.Where(s => s.StartsWith("gateway_calls_started_total", StringComparison.Ordinal))]);
        Assert.DoesNotContain("nosuch", scrape.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bad_Host", scrape.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stream_route_counts_requests_by_status_but_records_no_request_duration()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await UpgradeRequest.SendAsync(Gateway.CallUri("serviceHost=nosuch.acme"))).Status);
        await using (var live = await TestCalls.ConnectAsync(Gateway, Bot))
        {
            await live.Telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
            await Gateway.AssertCallGoneAsync(Support);
        }

        using (var ready = await new HttpClient().GetAsync(Gateway.HttpUri("/readyz")))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        var scrape = await MetricsText.UntilAsync(Gateway, "http_requests_received_total{code=\"101\",method=\"GET\",controller=\"\",action=\"\",endpoint=\"/ws/telnyx\"}", 1);
        Assert.Equal(1, scrape.Value("http_requests_received_total{code=\"404\",method=\"GET\",controller=\"\",action=\"\",endpoint=\"/ws/telnyx\"}"));
        Assert.Equal(0, scrape.Value("http_requests_in_progress{method=\"GET\",controller=\"\",action=\"\",endpoint=\"/ws/telnyx\"}"));
        Assert.DoesNotContain(scrape.Series, s => s.StartsWith("http_request_duration_seconds", StringComparison.Ordinal) && s.Contains("/ws/telnyx", StringComparison.Ordinal));

        // Other routes keep their durations.
        Assert.Equal(1, scrape.Value("http_request_duration_seconds_count{code=\"200\",method=\"GET\",controller=\"\",action=\"\",endpoint=\"/readyz\"}"));
    }

    private static string[] EndedSeries(MetricsText scrape) =>
        [.. scrape.Series.Where(s => s.StartsWith("gateway_calls_ended_total", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
}
