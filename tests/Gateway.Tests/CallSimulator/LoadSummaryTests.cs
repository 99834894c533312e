using Gateway.CallSimulator;

namespace Gateway.Tests.CallSimulator;

/// <summary>
/// The figures a load run is judged by, whose rules the benchmark shares: nearest-rank percentiles and failures grouped
/// by reason, and the summary the simulator prints.
/// </summary>
public sealed class LoadSummaryTests
{
    [Theory]
    [InlineData(1, 50, 0)]
    [InlineData(1, 99, 0)]
    [InlineData(2, 50, 0)]
    [InlineData(2, 99, 1)]
    [InlineData(10, 50, 4)]
    [InlineData(10, 99, 9)]
    [InlineData(100, 99, 98)]
    [InlineData(1001, 99.9, 999)]
    [InlineData(10, 0, 0)]
    [InlineData(10, 100, 9)]
    public void The_nearest_rank_is_the_smallest_sample_with_that_share_at_or_below_it(int count, double percent, int expected) =>
        Assert.Equal(expected, LoadSummary.NearestRank(count, percent));

    [Fact]
    public void There_is_no_rank_among_no_samples() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => LoadSummary.NearestRank(0, 50));

    [Fact]
    public void Percentiles_are_taken_from_the_samples_in_order_whatever_order_they_came_in()
    {
        int[] milliseconds = [7, 1, 9, 3, 5, 2, 8, 4, 10, 6];
        TimeSpan[] samples = [.. milliseconds.Select(ms => TimeSpan.FromMilliseconds(ms))];

        Assert.Equal(TimeSpan.FromMilliseconds(5), LoadSummary.Percentile(samples, 50));
        Assert.Equal(TimeSpan.FromMilliseconds(10), LoadSummary.Percentile(samples, 99));
        Assert.Null(LoadSummary.Percentile([], 50));
    }

    [Fact]
    public void Failures_are_grouped_by_reason_most_frequent_first_then_in_order_of_first_appearance()
    {
        string?[] errors = [null, "b", "a", null, "c", "a", "B", "c", "a"];

        Assert.Equal([("a", 3), ("c", 2), ("b", 1), ("B", 1)], LoadSummary.FailuresByReason(errors));
        Assert.Empty(LoadSummary.FailuresByReason([null, null]));
    }

    [Fact]
    public void The_summary_names_every_figure_and_each_reason_for_failure_once()
    {
        var call = TelnyxCallInfo.CreateRandom();
        CallReport Report(double? setupMs, string? error, params double[] roundTripsMs) => new(
            call,
            setupMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
            10,
            new Dictionary<string, int> { ["media"] = roundTripsMs.Length, ["mark"] = 1 },
            [.. roundTripsMs.Select(TimeSpan.FromMilliseconds)],
            null,
            null,
            null,
            error);

        var summary = new LoadSummary([
            Report(2.5, null, 1.0, 3.0),
            Report(4.0, "no close from the other side within 5 s of the stop frame", 2.0),
            Report(null, "upgrade refused: HTTP 503 (ServiceUnavailable)"),
            Report(null, "upgrade refused: HTTP 503 (ServiceUnavailable)"),
        ]);

        Assert.Equal(
            string.Join(
                Environment.NewLine,
                "calls: 1 ok, 3 failed",
                "setup: p50 2.5 ms, p99 4.0 ms",
                "frames: 40 sent, 7 received",
                "echo round trip: p50 2.0 ms, p99 3.0 ms",
                "failed: 2 × upgrade refused: HTTP 503 (ServiceUnavailable)",
                "failed: 1 × no close from the other side within 5 s of the stop frame"),
            summary.ToString());
    }
}
