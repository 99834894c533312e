using Gateway.Claims;
using Gateway.Metrics;
using Gateway.Sessions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>
/// Renews the claims and session records of this replica's live calls. If the replica dies, renewals stop and
/// both expire after <see cref="ClaimOptions.LeaseDuration"/>, giving the capacity back to the other replicas.
/// </summary>
public sealed partial class LeaseKeeper(
    LiveCalls calls,
    IInstanceClaims claims,
    ISessionStore sessions,
    IOptions<ClaimOptions> options,
    TimeProvider time,
    GatewayMetrics metrics,
    ILogger<LeaseKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RenewInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RenewAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    internal async Task RenewAsync(CancellationToken cancellationToken)
    {
        var live = calls.Snapshot();
        if (live.Count == 0)
        {
            return;
        }

        // Apart, so that a failure of one is counted against its own operation and does not skip the other.
        try
        {
            await claims.RenewAsync([.. live.Select(c => c.Claim)], cancellationToken);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            metrics.RedisError(RedisOperations.Claims);
            LogRenewFailed(logger, "claims", live.Count, e.Message);
        }

        try
        {
            await sessions.RenewAsync([.. live.Select(c => c.Session).OfType<CallSession>()], cancellationToken);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            metrics.RedisError(RedisOperations.Sessions);
            LogRenewFailed(logger, "session records", live.Count, e.Message);
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Could not renew the {Leases} leases of {CallCount} live calls: {Reason}")]
    private static partial void LogRenewFailed(ILogger logger, string leases, int callCount, string reason);
}
