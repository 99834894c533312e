using System.Net.WebSockets;
using Gateway.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>
/// Graceful shutdown. On SIGTERM new calls are refused with 503 while the listener stays open, live calls go on
/// for up to <see cref="GatewayOptions.DrainWindow"/>, and the rest are then ended: with 1001 on each WebSocket leg
/// they have, or, still before their 101, with 503.
/// Runs in the stopping phase, before the web server itself stops.
/// </summary>
public sealed partial class GatewayDrain(
    LiveCalls calls,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<GatewayDrain> logger) : IHostedLifecycleService
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile bool _draining;

    public bool IsDraining => _draining;

    /// <summary>Completes when the drain begins: waiting callers give their places in the queue back.</summary>
    public Task Started => _started.Task;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        _started.TrySetResult();
        var window = options.Value.DrainWindow;
        LogDraining(logger, calls.Count, window);
        await UntilNoCallsAsync(window, cancellationToken);

        var remaining = calls.Snapshot();
        if (remaining.Count == 0)
        {
            return;
        }

        // Each call ends itself in the phase it is in: relaying or handshaking, with 1001 on every leg it has;
        // before its 101, with 503 draining.
        LogClosingRemaining(logger, remaining.Count);
        foreach (var call in remaining)
        {
            call.Drain();
        }

        // Let the closed calls release their claims and session records before Redis goes away with the host.
        await UntilNoCallsAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
    }

    /// <summary>Until the last call leaves, or the time runs out.</summary>
    private async Task UntilNoCallsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var over = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(calls.Emptied, Task.Delay(timeout, time, over.Token));
        await over.CancelAsync();
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Draining: refusing new calls, waiting up to {DrainWindow} for {CallCount} live calls")]
    private static partial void LogDraining(ILogger logger, int callCount, TimeSpan drainWindow);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Drain window over: ending {CallCount} calls (1001 on their WebSockets, 503 before their upgrade)")]
    private static partial void LogClosingRemaining(ILogger logger, int callCount);
}
