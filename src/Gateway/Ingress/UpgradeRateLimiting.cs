using System.Threading.RateLimiting;
using Gateway.Core;
using Gateway.Ingress;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// A token bucket per remote address on <c>/ws/telnyx</c> upgrades: one client opening streams in a loop is refused
/// with 429 before it costs a registry lookup, a claim or a bot connection, and nobody else notices.
/// </summary>
public static partial class UpgradeRateLimiting
{
    public const string PolicyName = "stream-upgrades";

    public static IServiceCollection AddUpgradeRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<IngressOptions>, ICallTelemetry, ILoggerFactory>((limiter, ingressOptions, metrics, loggers) =>
        {
            var ingress = ingressOptions.Value;
            var logger = loggers.CreateLogger(typeof(UpgradeRateLimiting).FullName!);
            limiter.AddPolicy(PolicyName, context => ingress.UpgradesPerSecondPerAddress == 0
                ? RateLimitPartition.GetNoLimiter(string.Empty)
                : RateLimitPartition.GetTokenBucketLimiter(context.Connection.RemoteIpAddress?.ToString() ?? string.Empty, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = ingress.UpgradeBurstPerAddress,
                    TokensPerPeriod = ingress.UpgradesPerSecondPerAddress,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                }));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var rejection = StreamRefusals.RateLimited(ingress.UpgradesPerSecondPerAddress);
                var http = rejected.HttpContext;
                metrics.CallRefused(rejection.Code, agent: null);
                LogRateLimited(logger, http.Connection.RemoteIpAddress?.ToString());
                await rejection.ExecuteAsync(http);
            };
        });
        return services;
    }

    [LoggerMessage(EventId = 1014, Level = LogLevel.Warning, Message = "Stream upgrade from {RemoteAddress} refused (rate_limited): over Ingress:UpgradesPerSecondPerAddress")]
    private static partial void LogRateLimited(ILogger logger, string? remoteAddress);
}
