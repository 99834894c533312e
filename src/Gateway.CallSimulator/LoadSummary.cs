using System.Globalization;
using System.Text;

namespace Gateway.CallSimulator;

/// <summary>Aggregates many calls' reports into the figures a load run is judged by.</summary>
public sealed class LoadSummary
{
    private readonly IReadOnlyList<CallReport> _reports;

    public LoadSummary(IReadOnlyList<CallReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        _reports = reports;
        CallsOk = reports.Count(report => report.Succeeded);
        CallsFailed = reports.Count - CallsOk;
        var setupTimes = reports.Where(report => report.SetupTime is not null).Select(report => report.SetupTime!.Value).ToArray();
        SetupP50 = Percentile(setupTimes, 50);
        SetupP99 = Percentile(setupTimes, 99);
        var roundTrips = reports.SelectMany(report => report.RoundTrips).ToArray();
        EchoP50 = Percentile(roundTrips, 50);
        EchoP99 = Percentile(roundTrips, 99);
        FramesSent = reports.Sum(report => (long)report.FramesSent);
        FramesReceived = reports.Sum(report => (long)report.TotalFramesReceived);
    }

    public int CallsOk { get; }

    public int CallsFailed { get; }

    public TimeSpan? SetupP50 { get; }

    public TimeSpan? SetupP99 { get; }

    public TimeSpan? EchoP50 { get; }

    public TimeSpan? EchoP99 { get; }

    public long FramesSent { get; }

    public long FramesReceived { get; }

    /// <summary>Nearest-rank percentile; null when there are no samples.</summary>
    public static TimeSpan? Percentile(IReadOnlyCollection<TimeSpan> samples, double percent)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Count == 0)
        {
            return null;
        }

        var sorted = samples.Order().ToArray();
        return sorted[NearestRank(sorted.Length, percent)];
    }

    /// <summary>
    /// Where the nearest-rank percentile stands among <paramref name="count"/> sorted samples, from 0: the rule of every
    /// percentile the simulator and the benchmark print.
    /// </summary>
    public static int NearestRank(int count, double percent)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var rank = (int)Math.Ceiling(percent / 100 * count);
        return Math.Clamp(rank - 1, 0, count - 1);
    }

    /// <summary>
    /// The failures among <paramref name="errors"/> (null for a call that succeeded) grouped by reason, most frequent
    /// first and ties in order of first appearance: a hundred identical refusals are one finding, not a hundred.
    /// </summary>
    public static IReadOnlyList<(string Reason, int Calls)> FailuresByReason(IEnumerable<string?> errors) =>
        [.. errors.OfType<string>()
            .GroupBy(error => error, StringComparer.Ordinal)
            .OrderByDescending(group => group.Count())
            .Select(group => (group.Key, group.Count()))];

    public static string Milliseconds(TimeSpan? value) =>
        value is { } time ? time.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "n/a";

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"calls: {CallsOk} ok, {CallsFailed} failed").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"setup: p50 {Milliseconds(SetupP50)}, p99 {Milliseconds(SetupP99)}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"frames: {FramesSent} sent, {FramesReceived} received").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"echo round trip: p50 {Milliseconds(EchoP50)}, p99 {Milliseconds(EchoP99)}");
        foreach (var (reason, calls) in FailuresByReason(_reports.Select(report => report.Error)))
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"failed: {calls} × {reason}");
        }

        return text.ToString();
    }
}
