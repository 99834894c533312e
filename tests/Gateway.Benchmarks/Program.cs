using System.Globalization;
using System.Runtime.InteropServices;
using Gateway.Benchmarks;
using Gateway.CallSimulator;

if (args is ["bot", "--port", var portText, ..] && CommandLine.TryParseWholeNumber(portText, out var botPort))
{
    return await EchoBot.RunAsync(botPort, args is [_, _, _, "--expect-body", var body] ? body : null);
}

var options = BenchOptions.Parse(args, out var usageError, out var helpRequested);
if (options is null)
{
    return await CommandLine.ShowUsageAsync(BenchOptions.Usage, helpRequested, usageError, Console.Out, Console.Error);
}

// Before the first socket: the load tool handles each frame on the thread that completed its read.
InlineCompletions.Enable();

using var cancellation = new CancellationTokenSource();
void Interrupt(PosixSignalContext context)
{
    // The first signal ends the run early: calls stop, every server is stopped, what was measured is printed.
    context.Cancel = true;
    if (!cancellation.IsCancellationRequested)
    {
        Console.Error.WriteLine($"{context.Signal}: stopping every call and server");
        cancellation.Cancel();
    }
}

using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Interrupt);
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Interrupt);
using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, Interrupt);

return await BenchProgram.RunAsync(options, TimeProvider.System, cancellation.Token);
