namespace Gateway.CallSimulator;

/// <summary>Many concurrent calls, started on a ramp so the target sees a rising load rather than one burst.</summary>
internal static class LoadRun
{
    public static async Task<int> RunAsync(SimulatorArguments arguments, CancellationToken cancellationToken)
    {
        var runner = new CallRunner(TimeProvider.System);
        var options = new CallOptions(arguments.Url, arguments.Duration)
        {
            CustomParameters = arguments.CustomParameters,
            Headers = arguments.Headers,
        };
        var calls = Enumerable.Range(0, arguments.Calls)
            .Select(index => StartAfterAsync(arguments.Ramp * index / arguments.Calls, runner, options, cancellationToken))
            .ToArray();
        var reports = await Task.WhenAll(calls);
        var summary = new LoadSummary(reports);
        Console.WriteLine(summary);
        return summary.CallsFailed == 0 ? 0 : 1;
    }

    private static async Task<CallReport> StartAfterAsync(
        TimeSpan delay,
        CallRunner runner,
        CallOptions options,
        CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, TimeProvider.System, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Still run it: the runner reports a cancelled call, so the summary counts every call asked for.
        }

        return await runner.RunAsync(options, cancellationToken);
    }
}
