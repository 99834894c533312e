using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>
/// The gateway's own account of where its set-up time went: <c>gateway_call_setup_stage_seconds</c> read from its
/// <c>/metrics</c> before the measured calls and after them, so the warm-up's calls are left out. The load tool sees a
/// set-up as one figure (connect to 101); this splits the gateway's share of it. The same scrapes carry the gateway's
/// GC counters, read by <see cref="GcOver"/>.
/// </summary>
internal static class SetupStageTimes
{
    private const string Bucket = "gateway_call_setup_stage_seconds_bucket{stage=\"";

    /// <summary>The gateway's stages in the order a call routed by its URL meets them.</summary>
    private static readonly string[] Order = ["route", "claim", "bot_connect", "caller_upgrade", "start_frame"];

    /// <summary>prometheus-net's gen0 count, and the two the gateway adds; an older build exports only the first.</summary>
    private static readonly string[] GcCounters =
        ["dotnet_collection_count_total{generation=\"0\"}", "dotnet_gc_pause_seconds_total", "dotnet_gc_allocated_bytes_total"];

    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>One scrape: every stage's cumulative bucket counts by upper bound in seconds, and the GC counters; empty when it failed.</summary>
    public static async Task<GatewayScrape> ScrapeAsync(Uri metrics, CancellationToken cancellationToken)
    {
        var scrape = new GatewayScrape([], []);
        string text;
        try
        {
            text = await Client.GetStringAsync(metrics, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return scrape;
        }

        foreach (var line in text.Split('\n'))
        {
            var value = line.LastIndexOf(' ');
            foreach (var counter in GcCounters)
            {
                if (value == counter.Length && line.StartsWith(counter, StringComparison.Ordinal))
                {
                    scrape.Counters[counter] = double.Parse(line[(value + 1)..], CultureInfo.InvariantCulture);
                }
            }

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
            if (!scrape.Stages.TryGetValue(stage, out var buckets))
            {
                scrape.Stages[stage] = buckets = [];
            }

            buckets[bound] = double.Parse(line[(value + 1)..], CultureInfo.InvariantCulture);
        }

        return scrape;
    }

    /// <summary>
    /// The GC over the measured calls, from the gateway's runtime counters: gen0 collections, pauses and bytes allocated
    /// per call (every allocation between the scrapes, the calls' set-up, relay and end alike); null when not exported.
    /// </summary>
    public static GcTimes? GcOver(GatewayScrape before, GatewayScrape after, int calls)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        double? Delta(string counter) =>
            before.Counters.TryGetValue(counter, out var earlier) && after.Counters.TryGetValue(counter, out var later) ? later - earlier : null;
        return Delta(GcCounters[0]) is { } collections && Delta(GcCounters[1]) is { } pause && Delta(GcCounters[2]) is { } allocated && calls > 0
            ? new GcTimes((long)collections, pause * 1000, allocated / calls / 1024)
            : null;
    }

    /// <summary>Each stage's observations between the two scrapes, with p50 and p99 estimated from the buckets.</summary>
    public static IReadOnlyList<SetupStageTime> Between(GatewayScrape before, GatewayScrape after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var times = new List<SetupStageTime>();
        foreach (var (stage, buckets) in after.Stages)
        {
            var earlier = before.Stages.GetValueOrDefault(stage);
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

/// <summary>What one scrape of the gateway's <c>/metrics</c> held of the stages' buckets and of the GC counters.</summary>
internal sealed record GatewayScrape(Dictionary<string, SortedDictionary<double, double>> Stages, Dictionary<string, double> Counters);

/// <summary>The gateway's GC over the measured calls: gen0 collections, milliseconds paused, KiB allocated per call.</summary>
internal sealed record GcTimes(long Gen0Collections, double PausedMs, double AllocatedKiBPerCall);
