using System.Net.WebSockets;
using Gateway.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>
/// Graceful shutdown. On SIGTERM new calls are refused with 503 while the listener stays open, live calls go on
/// for up to <see cref="GatewayOptions.DrainWindow"/>, and the rest are then closed with 1001 on both sides.
/// Runs in the stopping phase, before the web server itself stops.
/// </summary>
public sealed partial class GatewayDrain(
    LiveCalls calls,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<GatewayDrain> logger) : IHostedLifecycleService
{
    private volatile bool _draining;

    public bool IsDraining => _draining;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var window = options.Value.DrainWindow;
        LogDraining(logger, calls.Count, window);
        var deadline = time.GetUtcNow() + window;
        while (calls.Count > 0 && time.GetUtcNow() < deadline && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), time, CancellationToken.None);
        }

        var remaining = calls.Snapshot();
        if (remaining.Count == 0)
        {
            return;
        }

        LogClosingRemaining(logger, remaining.Count);
        await Task.WhenAll(remaining
            .Select(c => c.Relay)
            .OfType<Relay.CallRelay>()
            .Select(r => r.CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down")));

        // Let the closed calls release their claims and session records before Redis goes away with the host.
        var released = time.GetUtcNow() + TimeSpan.FromSeconds(10);
        while (calls.Count > 0 && time.GetUtcNow() < released)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), time, CancellationToken.None);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Draining: refusing new calls, waiting up to {DrainWindow} for {CallCount} live calls")]
    private static partial void LogDraining(ILogger logger, int callCount, TimeSpan drainWindow);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Drain window over: closing {CallCount} calls with 1001")]
    private static partial void LogClosingRemaining(ILogger logger, int callCount);
}
