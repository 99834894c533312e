using Gateway.Tests.Infrastructure;
using Gateway.Tests.Metrics;

namespace Gateway.Tests.Kubernetes;

/// <summary>
/// The API server's faults, on two replicas: while it is down the last pods seen keep taking calls and staleness says
/// so; a watch that expires (410 Gone, in the stream or as the answer) or drops is followed by a new list, so changes it
/// never told still reach routing.
/// </summary>
public sealed class DiscoveryFaultTests : TwoReplicasWithPodsTest
{
    private const string Series = """{namespace="bots",service="support-bot"}""";

    [Fact]
    public async Task With_the_API_server_down_the_last_pods_keep_taking_calls_and_staleness_says_so()
    {
        Api.Apply(Pod("pod-a"));
        Api.Apply(Pod("pod-b"));
        await UntilRoutedAsync("pod-a", "pod-b");
        var synced = await MetricsText.ScrapeAsync(First);
        Assert.Equal(0, synced.Value("gateway_discovery_staleness_seconds" + Series));
        Assert.Equal(2, synced.Value("gateway_discovery_endpoints" + Series));

        await Api.StopAsync();
        foreach (var gateway in new[] { First, Second })
        {
            await Wait.UntilAsync(
                () => gateway.Logs.Lines.Any(line => line.StartsWith("Warning", StringComparison.Ordinal) && line.Contains("Kubernetes Service bots/support-bot: the API server did not answer", StringComparison.Ordinal) && line.Contains("routing keeps the 2 endpoints last seen", StringComparison.Ordinal)),
                "the replica warns that the API server is unreachable");
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        var stale = await MetricsText.ScrapeAsync(Second);
        Assert.InRange(stale.Value("gateway_discovery_staleness_seconds" + Series)!.Value, 1, Wait.Timeout.TotalSeconds);
        Assert.Equal(2, stale.Value("gateway_discovery_endpoints" + Series));
        Assert.Equal(["pod-a", "pod-b"], Routed(First));
        Assert.Equal(["pod-a", "pod-b"], Routed(Second));
        await using (var onA = await TestCalls.ConnectAsync(Second, Bot("pod-a")))
        await using (var onB = await TestCalls.ConnectAsync(First, Bot("pod-b")))
        {
            Assert.Equal(1, Bot("pod-a").TotalConnections);
        }

        // Back, with a pod that came while it was away: both replicas list it again and are in sync.
        Api.Apply(Pod("pod-c"));
        await Api.RestartAsync();
        await UntilRoutedAsync("pod-a", "pod-b", "pod-c");
        await MetricsText.UntilAsync(First, "gateway_discovery_staleness_seconds" + Series, 0);
        await MetricsText.UntilAsync(Second, "gateway_discovery_staleness_seconds" + Series, 0);
    }

    [Fact]
    public async Task A_410_Gone_error_event_on_an_open_watch_is_followed_by_a_new_list()
    {
        Api.Apply(Pod("pod-a"));
        await UntilRoutedAsync("pod-a");
        await Wait.UntilAsync(() => Api.OpenWatches == 2, "both replicas watch");
        var lists = Api.ListRequests;

        // A change the watches never hear of, then ERROR 410 on them with their streams left open.
        Api.ApplyUnseen(Pod("pod-b"));
        Api.ExpireWatches();

        await UntilRoutedAsync("pod-a", "pod-b");
        Assert.Equal(lists + 2, Api.ListRequests);
        Assert.Contains(First.Logs.Lines, line => line.Contains("the watch's resourceVersion expired (410 Gone); listing again", StringComparison.Ordinal));
        Assert.Contains(Second.Logs.Lines, line => line.Contains("the watch's resourceVersion expired (410 Gone); listing again", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_watch_answered_410_Gone_is_listed_again_until_a_watch_holds()
    {
        Api.Apply(Pod("pod-a"));
        await UntilRoutedAsync("pod-a");
        await Wait.UntilAsync(() => Api.OpenWatches == 2, "both replicas watch");
        var watches = Api.WatchRequests;
        var lists = Api.ListRequests;

        // The next three watches are refused with HTTP 410; then one holds and tells of pod-b.
        Api.AnswerWatchesGone(3);
        Api.DropWatches();
        await Wait.UntilAsync(() => Api.WatchRequests >= watches + 5 && Api.OpenWatches == 2, "the replicas watch again after three 410 answers");
        Assert.True(Api.ListRequests >= lists + 5, $"{Api.ListRequests - lists} lists for 5 watches: every watch follows a list");
        Api.Apply(Pod("pod-b"));

        await UntilRoutedAsync("pod-a", "pod-b");
    }

    [Fact]
    public async Task A_dropped_watch_is_followed_by_a_new_list_that_finds_what_it_missed()
    {
        Api.Apply(Pod("pod-a"));
        Api.Apply(Pod("pod-b"));
        await UntilRoutedAsync("pod-a", "pod-b");
        await Wait.UntilAsync(() => Api.OpenWatches == 2, "both replicas watch");

        Api.ApplyUnseen(Pod("pod-a", ready: false));
        Api.DropWatches();

        await UntilRoutedAsync("pod-b");
    }
}
