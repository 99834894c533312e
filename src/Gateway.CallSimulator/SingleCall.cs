using System.Globalization;

namespace Gateway.CallSimulator;

/// <summary>One call, narrated frame by frame unless quiet.</summary>
internal static class SingleCall
{
    public static async Task<int> RunAsync(SimulatorArguments arguments, CancellationToken cancellationToken)
    {
        var runner = new CallRunner(TimeProvider.System, arguments.Quiet ? null : Console.WriteLine);
        var options = new CallOptions(arguments.Url, arguments.Duration)
        {
            CustomParameters = arguments.CustomParameters,
            Headers = arguments.Headers,
        };
        var report = await runner.RunAsync(options, cancellationToken);
        Console.WriteLine(Describe(report));
        return report.Succeeded ? 0 : 1;
    }

    private static string Describe(CallReport report)
    {
        var outcome = report.Succeeded ? "call ok" : $"call failed: {report.Error}";
        if (report.SetupTime is null)
        {
            // Never connected: there is nothing else to tell.
            return outcome;
        }

        var received = report.FramesReceived.Count == 0
            ? string.Empty
            : " (" + string.Join(
                ", ",
                report.FramesReceived.OrderBy(pair => pair.Key, StringComparer.Ordinal).Select(pair => $"{pair.Key} {pair.Value}")) + ")";
        var close = report.CloseStatus is null && report.CloseDescription is null
            ? "no close frame"
            : "closed " + CallRunner.CloseText(report.CloseStatus, report.CloseDescription);
        TimeSpan[] roundTrips = [.. report.RoundTrips];
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{outcome}; setup {LoadSummary.Milliseconds(report.SetupTime)}, {report.FramesSent} frames sent, "
            + $"{report.TotalFramesReceived} received{received}, "
            + $"echo p50 {LoadSummary.Milliseconds(LoadSummary.Percentile(roundTrips, 50))} "
            + $"p99 {LoadSummary.Milliseconds(LoadSummary.Percentile(roundTrips, 99))}, "
            + $"{close}");
    }
}
