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
        // A call still connecting its bot holds no claim yet, and one not yet relaying no session record; a session
        // record comes only after the claim.
        var live = calls.Snapshot();
        InstanceClaim[] held = [.. live.Select(c => c.Claim).OfType<InstanceClaim>()];
        if (held.Length == 0)
        {
            return;
        }

        // Apart, so that a failure of one is counted against its own operation and does not skip the other.
        try
        {
            await claims.RenewAsync(held, cancellationToken);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            metrics.RedisError(RedisOperations.Claims);
            LogRenewFailed(logger, "claims", held.Length, e.Message);
        }

        CallSession[] recorded = [.. live.Select(c => c.Session).OfType<CallSession>()];
        try
        {
            await sessions.RenewAsync(recorded, cancellationToken);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            metrics.RedisError(RedisOperations.Sessions);
            LogRenewFailed(logger, "session records", recorded.Length, e.Message);
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Could not renew the {Leases} leases of {CallCount} live calls: {Reason}")]
    private static partial void LogRenewFailed(ILogger logger, string leases, int callCount, string reason);
}
