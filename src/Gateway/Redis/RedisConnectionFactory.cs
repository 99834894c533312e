using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>Builds the one <see cref="RedisConnection"/> the whole process shares.</summary>
public static partial class RedisConnectionFactory
{
    /// <summary>
    /// Connects to what <paramref name="connectionString"/> names. With <c>serviceName=…</c> its endpoints are Sentinels:
    /// the gateway asks them for the master and connects to that master alone (see <see cref="SentinelMasterFollower"/>);
    /// otherwise to the servers it names (a single server, or a cluster's seed list).
    /// </summary>
    public static RedisConnection Connect(string connectionString, RedisOptions options, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        var configuration = ConfigurationOptions.Parse(connectionString);
        var logger = loggers.CreateLogger<RedisConnection>();
        if (string.IsNullOrEmpty(configuration.ServiceName))
        {
            var link = new RedisLink(null, Multiplexer(configuration, options, writes: false), Multiplexer(configuration, options, writes: true));
            return new RedisConnection(link, sentinel: false, options.CommandTimeout, time, logger);
        }

        var sentinels = ConnectionMultiplexer.SentinelConnect(SentinelConfiguration(configuration));
        var follower = new SentinelMasterFollower(sentinels, configuration, options, time, loggers.CreateLogger<SentinelMasterFollower>());
        var master = follower.AskMaster();
        if (master is null)
        {
            LogNoMasterYet(logger, configuration.ServiceName);
        }

        var connection = new RedisConnection(master is null ? null : follower.LinkTo(master), sentinel: true, options.CommandTimeout, time, logger)
        {
            Follower = follower,
        };
        follower.Connection = connection;
        return connection;
    }

    /// <summary>A multiplexer to the servers <paramref name="source"/> names, or to <paramref name="master"/> alone.</summary>
    internal static IConnectionMultiplexer Multiplexer(ConfigurationOptions source, RedisOptions options, bool writes, EndPoint? master = null)
    {
        var configuration = source.Clone();
        if (master is not null)
        {
            // Only the master Sentinel names: after a failover the demoted master still answers as a master for a while
            // (until Sentinel reconfigures it), and a client that knows both could keep writing to the wrong one.
            configuration.EndPoints.Clear();
            configuration.EndPoints.Add(master);
            configuration.ServiceName = null;
        }

        // Start even when Redis is away: the registry serves what it last knew and reconnects in the background.
        configuration.AbortOnConnectFail = false;

        // A command issued while disconnected fails at once instead of queueing: a call in setup then falls back to
        // local accounting rather than waiting out a timeout.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;

        // Reconnect within two seconds of Redis coming back, however long it was away (the library's default backs off
        // to ten): until then claims fall back to local accounting and nothing is re-asserted.
        configuration.ReconnectRetryPolicy = new ExponentialRetry(250, 2000);

        // The writes connection also waits for replicas to acknowledge (WAIT), within its own timeout.
        var timeout = (int)(options.CommandTimeout + (writes ? options.WriteAcknowledgementTimeout : TimeSpan.Zero)).TotalMilliseconds;
        configuration.AsyncTimeout = timeout;
        configuration.SyncTimeout = timeout;
        configuration.ClientName = (configuration.ClientName ?? "telnyx-gateway") + (writes ? "-writes" : string.Empty);
        return ConnectionMultiplexer.Connect(configuration);
    }

    internal static RedisKeys Keys(IOptions<RedisOptions> options) => new(options.Value.KeyPrefix);

    private static ConfigurationOptions SentinelConfiguration(ConfigurationOptions source)
    {
        var sentinel = source.Clone();
        sentinel.User = source.SentinelUser;
        sentinel.Password = source.SentinelPassword;
        sentinel.AbortOnConnectFail = false;
        sentinel.ClientName = (source.ClientName ?? "telnyx-gateway") + "-sentinel";
        return sentinel;
    }

    [LoggerMessage(EventId = 9004, Level = LogLevel.Warning, Message = "No Sentinel named the master of '{ServiceName}' yet: Redis is unavailable until one does")]
    private static partial void LogNoMasterYet(ILogger logger, string serviceName);
}
