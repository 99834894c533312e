using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Redis;

/// <summary>
/// Reads the Data Protection key ring once at start-up, while the registry loads, rather than at the first call:
/// Data Protection then keeps serving the ring it has through a later Redis outage or stall, so calls still get their
/// call-control credential. When Redis is away at start-up the first use reads it instead.
/// </summary>
public sealed partial class KeyRingWarmup(IDataProtectionProvider protection, ILogger<KeyRingWarmup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            protection.CreateProtector("Gateway.KeyRing.Warmup").Protect([0]);
        }
        catch (CryptographicException e)
        {
            LogNotLoaded(logger, e.InnerException?.Message ?? e.Message);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 9104, Level = LogLevel.Warning, Message = "The Data Protection key ring could not be read at start-up ({Reason}); the first call that needs it reads it")]
    private static partial void LogNotLoaded(ILogger logger, string reason);
}
