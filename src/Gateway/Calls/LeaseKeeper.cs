using Gateway.Claims;
using Gateway.Core;
using Gateway.Redis;
using Gateway.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>
/// Keeps the claims and session records of this replica's live calls true in Redis: every
/// <see cref="LeaseOptions.RenewInterval"/> it re-asserts them with a fresh lease (creating what Redis lost), at once
/// when the connection comes back or moves to a new master, and every <see cref="LeaseOptions.ReconcileInterval"/>
/// while Redis owes an answer. If the replica dies, re-asserting stops and both expire after
/// <see cref="LeaseOptions.LeaseDuration"/>, giving the capacity back to the other replicas.
/// </summary>
public sealed partial class LeaseKeeper(
    IInstanceClaims claims,
    ISessionStore sessions,
    IOptions<LeaseOptions> options,
    TimeProvider time,
    ILogger<LeaseKeeper> logger,
    RedisConnection? redis = null) : BackgroundService
{
    private readonly WakeSignal _reassertNow = new(time);
    private bool _failing;

    public override void Dispose()
    {
        _reassertNow.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (redis is not null)
        {
            redis.Restored += OnRestored;
        }

        try
        {
            var due = time.GetUtcNow() + options.Value.RenewInterval;
            while (!stoppingToken.IsCancellationRequested)
            {
                var unsettled = _failing || claims.IsUnsettled || sessions.IsUnsettled;
                var wait = unsettled ? options.Value.ReconcileInterval : due - time.GetUtcNow();
                await _reassertNow.WaitAsync(wait, stoppingToken);
                due = time.GetUtcNow() + options.Value.RenewInterval;
                await ReassertAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            if (redis is not null)
            {
                redis.Restored -= OnRestored;
            }
        }
    }

    private async Task ReassertAsync(CancellationToken cancellationToken)
    {
        // Apart, so that a failure of one is counted against its own operation and does not skip the other.
        var claimsFailure = await TryAsync(() => claims.ReassertAsync(cancellationToken).AsTask());
        var failure = await TryAsync(() => sessions.ReassertAsync(cancellationToken)) ?? claimsFailure;
        if (failure is not null && !_failing)
        {
            LogReassertFailed(logger, failure.Message);
        }
        else if (failure is null && _failing)
        {
            LogReasserted(logger);
        }

        _failing = failure is not null;
    }

    private static async Task<Exception?> TryAsync(Func<Task> reassert)
    {
        try
        {
            await reassert();
            return null;
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            return e;
        }
    }

    // Redis may have come back empty, or a new master may have missed the last writes: re-assert now.
    private void OnRestored(object? sender, EventArgs e) => _reassertNow.Set();

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Could not re-assert the claims and session records of live calls in Redis ({Reason}); retrying until Redis answers")]
    private static partial void LogReassertFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Information, Message = "Redis holds the claims and session records of every live call again")]
    private static partial void LogReasserted(ILogger logger);
}
