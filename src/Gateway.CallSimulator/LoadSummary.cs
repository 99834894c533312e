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
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string Milliseconds(TimeSpan? value) =>
        value is { } time ? time.TotalMilliseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ms" : "n/a";

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"calls: {CallsOk} ok, {CallsFailed} failed").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"setup: p50 {Milliseconds(SetupP50)}, p99 {Milliseconds(SetupP99)}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"frames: {FramesSent} sent, {FramesReceived} received").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"echo round trip: p50 {Milliseconds(EchoP50)}, p99 {Milliseconds(EchoP99)}");
        // Failures are grouped by reason: a hundred identical refusals are one finding, not a hundred.
        foreach (var failure in _reports
            .Where(report => !report.Succeeded)
            .GroupBy(report => report.Error, StringComparer.Ordinal)
            .OrderByDescending(group => group.Count()))
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"failed: {failure.Count()} × {failure.Key}");
        }

        return text.ToString();
    }
}
