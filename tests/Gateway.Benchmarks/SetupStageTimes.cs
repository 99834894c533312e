using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>
/// The gateway's own account of where its set-up time went: <c>gateway_call_setup_stage_seconds</c> read from its
/// <c>/metrics</c> before the measured calls and after them, so the warm-up's calls are left out. The load tool sees a
/// set-up as one figure (connect to 101); this splits the gateway's share of it.
/// </summary>
internal static class SetupStageTimes
{
    private const string Bucket = "gateway_call_setup_stage_seconds_bucket{stage=\"";

    /// <summary>The gateway's stages in the order a call routed by its URL meets them.</summary>
    private static readonly string[] Order = ["route", "claim", "bot_connect", "caller_upgrade", "start_frame"];

    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Every stage's cumulative bucket counts, by upper bound in seconds; empty when the scrape failed.</summary>
    public static async Task<Dictionary<string, SortedDictionary<double, double>>> ScrapeAsync(Uri metrics, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await Client.GetStringAsync(metrics, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return [];
        }

        var stages = new Dictionary<string, SortedDictionary<double, double>>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            // gateway_call_setup_stage_seconds_bucket{stage="claim",le="0.001"} 17
            if (!line.StartsWith(Bucket, StringComparison.Ordinal))
            {
                continue;
            }

            var stageEnd = line.IndexOf('"', Bucket.Length);
            var leStart = line.IndexOf("le=\"", stageEnd, StringComparison.Ordinal) + 4;
            var leEnd = line.IndexOf('"', leStart);
            var stage = line[Bucket.Length..stageEnd];
            var le = line[leStart..leEnd];
            var bound = le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
            var count = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            if (!stages.TryGetValue(stage, out var buckets))
            {
                stages[stage] = buckets = [];
            }

            buckets[bound] = count;
        }

        return stages;
    }

    /// <summary>Each stage's observations between the two scrapes, with p50 and p99 estimated from the buckets.</summary>
    public static IReadOnlyList<SetupStageTime> Between(
        Dictionary<string, SortedDictionary<double, double>> before, Dictionary<string, SortedDictionary<double, double>> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var times = new List<SetupStageTime>();
        foreach (var (stage, buckets) in after)
        {
            var earlier = before.GetValueOrDefault(stage);
            var delta = buckets.Select(b => (Bound: b.Key, Count: b.Value - (earlier?.GetValueOrDefault(b.Key) ?? 0))).ToArray();
            var total = delta[^1].Count;
            times.Add(new SetupStageTime(stage, (long)total, Quantile(delta, total, 0.5), Quantile(delta, total, 0.99)));
        }

        return [.. times.OrderBy(time => Array.IndexOf(Order, time.Stage) is var at and >= 0 ? at : Order.Length)];
    }

    /// <summary>
    /// As Prometheus's <c>histogram_quantile</c>: linear within the bucket the rank falls in; the top finite bound when
    /// it falls in +Inf. Only as fine as the buckets (0.1, 0.25, 0.5, 1, 2, 5, 10, 25 ms …).
    /// </summary>
    private static double? Quantile((double Bound, double Count)[] buckets, double total, double quantile)
    {
        if (total <= 0)
        {
            return null;
        }

        var rank = quantile * total;
        var (lowerBound, lowerCount) = (0.0, 0.0);
        foreach (var (bound, count) in buckets)
        {
            if (count >= rank)
            {
                if (double.IsPositiveInfinity(bound))
                {
                    return lowerBound * 1000;
                }

                var within = count - lowerCount;
                var fraction = within > 0 ? (rank - lowerCount) / within : 1;
                return (lowerBound + (bound - lowerBound) * fraction) * 1000;
            }

            (lowerBound, lowerCount) = (bound, count);
        }

        return lowerBound * 1000;
    }
}

/// <summary>One set-up stage over the measured calls: how many times it ran, and its estimated p50 and p99 in ms.</summary>
internal sealed record SetupStageTime(string Stage, long Count, double? P50Ms, double? P99Ms);
