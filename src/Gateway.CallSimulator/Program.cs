using Gateway.CallSimulator;

var arguments = SimulatorArguments.Parse(args, out var usageError, out var helpRequested);
if (arguments is null)
{
    if (helpRequested)
    {
        Console.WriteLine(SimulatorArguments.Usage);
        return 0;
    }

    await Console.Error.WriteLineAsync($"error: {usageError}");
    await Console.Error.WriteLineAsync();
    await Console.Error.WriteLineAsync(SimulatorArguments.Usage);
    return 2;
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
