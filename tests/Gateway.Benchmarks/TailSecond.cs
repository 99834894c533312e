using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>
/// Where a target's slowest echoes were: the seconds of the run (from the first call's start) holding most of the echoes
/// slower than its p99. A tail spread thin over every second is the machine's scheduling; one packed into a few seconds,
/// at a steady period, is something the proxy (or a neighbour) does now and then.
/// </summary>
internal sealed record TailSecond(int Second, int Echoes, double Share)
{
    public const int Shown = 4;

    public static IReadOnlyList<TailSecond> Of(BenchCall[] calls, long runStart, long frequency, double? p99Ms)
    {
        ArgumentNullException.ThrowIfNull(calls);
        if (p99Ms is not { } p99)
        {
            return [];
        }

        var threshold = (long)(p99 * frequency / 1000);
        var bySecond = new Dictionary<int, int>();
        var total = 0;
        foreach (var call in calls)
        {
            for (var index = 0; index < call.MediaSent; index++)
            {
                var (sentAt, echoAt) = (call.SentAt(index), call.EchoAt(index));
                if (echoAt != 0 && echoAt - sentAt > threshold)
                {
                    var second = (int)((sentAt - runStart) / frequency);
                    bySecond[second] = bySecond.GetValueOrDefault(second) + 1;
                    total++;
                }
            }
        }

        return [.. bySecond
            .OrderByDescending(pair => pair.Value)
            .Take(Shown)
            .Select(pair => new TailSecond(pair.Key, pair.Value, (double)pair.Value / total))];
    }

    public static string Describe(IReadOnlyList<TailSecond> seconds) => string.Join(", ", seconds.Select(second =>
        string.Create(CultureInfo.InvariantCulture, $"{second.Share:0%} in second {second.Second}")));
}
