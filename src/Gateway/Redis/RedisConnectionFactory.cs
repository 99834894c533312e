using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>Builds the one multiplexer the whole process shares.</summary>
public static class RedisConnectionFactory
{
    public static IConnectionMultiplexer Connect(string connectionString, RedisOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var configuration = ConfigurationOptions.Parse(connectionString);

        // Start even when Redis is away: the registry serves what it last knew and reconnects in the background.
        configuration.AbortOnConnectFail = false;

        // A command issued while disconnected fails at once instead of queueing: a call in setup then falls back to
        // local accounting rather than waiting out a timeout.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        var timeout = (int)options.CommandTimeout.TotalMilliseconds;
        configuration.AsyncTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.ClientName ??= "telnyx-gateway";
        return ConnectionMultiplexer.Connect(configuration);
    }

    internal static RedisKeys Keys(IOptions<RedisOptions> options) => new(options.Value.KeyPrefix);
}
