using Gateway.CallSimulator;

var arguments = SimulatorArguments.Parse(args, out var usageError, out var helpRequested);
if (arguments is null)
{
    return await CommandLine.ShowUsageAsync(SimulatorArguments.Usage, helpRequested, usageError, Console.Out, Console.Error);
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, eventArgs) =>
{
    // The first Ctrl+C ends the calls and still prints what was measured.
    eventArgs.Cancel = true;
    cancellation.Cancel();
};

return arguments.Calls == 1
    ? await SingleCall.RunAsync(arguments, cancellation.Token)
    : await LoadRun.RunAsync(arguments, cancellation.Token);
