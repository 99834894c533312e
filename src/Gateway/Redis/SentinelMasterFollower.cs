using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// Follows the master of a Sentinel-managed Redis: on Sentinel's <c>+switch-master</c> notice, and every
/// <see cref="RedisOptions.SentinelPollInterval"/> in case a notice was missed, it asks the Sentinels which node is
/// the master and, when that changed, moves the <see cref="RedisConnection"/> to it.
/// </summary>
/// <remarks>
/// The client library's own Sentinel support keeps a connection to every node and picks a master among those that say
/// they are one. After a failover the demoted master goes on saying so (and taking writes) until Sentinel reconfigures
/// it, about ten seconds later, and every write it takes meanwhile is lost when it resyncs from the new master. Here the
/// Sentinels' word decides, and the gateway connects to the named master alone.
/// </remarks>
public sealed partial class SentinelMasterFollower : BackgroundService
{
    private readonly IConnectionMultiplexer _sentinels;
    private readonly ConfigurationOptions _configuration;
    private readonly RedisOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<SentinelMasterFollower> _logger;
    private readonly SemaphoreSlim _checkNow = new(0, 1);

    internal SentinelMasterFollower(IConnectionMultiplexer sentinels, ConfigurationOptions configuration, RedisOptions options, TimeProvider time, ILogger<SentinelMasterFollower> logger)
    {
        _sentinels = sentinels;
        _configuration = configuration;
        _options = options;
        _time = time;
        _logger = logger;
    }

    private string ServiceName => _configuration.ServiceName!;

    /// <summary>The connection this follower moves; set once, right after both are built.</summary>
    internal RedisConnection? Connection { get; set; }

    /// <summary>The master most Sentinels that answer name now; null when none answers.</summary>
    internal EndPoint? AskMaster() => Vote(_sentinels.GetServers().Select(server => Ask(() => server.SentinelGetMasterAddressByName(ServiceName))));

    internal RedisLink LinkTo(EndPoint master) => new(
        master,
        RedisConnectionFactory.Multiplexer(_configuration, _options, writes: false, master),
        RedisConnectionFactory.Multiplexer(_configuration, _options, writes: true, master));

    public override void Dispose()
    {
        _checkNow.Dispose();
        _sentinels.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _sentinels.GetSubscriber().SubscribeAsync(RedisChannel.Literal("+switch-master"), OnSwitchMaster);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using (var poll = new CancellationTokenSource(_options.SentinelPollInterval, _time))
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(poll.Token, stoppingToken))
                {
                    try
                    {
                        await _checkNow.WaitAsync(wait.Token);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        // Time for the periodic check.
                    }
                }

                await FollowAsync();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException)
            {
                LogAskFailed(_logger, ServiceName, e.Message);
            }
        }
    }

    private async Task FollowAsync()
    {
        var answers = await Task.WhenAll(_sentinels.GetServers().Select(server => AskAsync(server)));
        var master = Vote(answers);
        var connection = Connection!;
        if (master is null || SameEndPoint(master, connection.Master))
        {
            return;
        }

        // Connecting can take up to the connect timeout when the new master is slow to answer: off this loop's thread.
        var link = await Task.Run(() => LinkTo(master));
        await connection.SwitchAsync(link);
    }

    private async Task<EndPoint?> AskAsync(IServer sentinel)
    {
        try
        {
            return sentinel.IsConnected ? await sentinel.SentinelGetMasterAddressByNameAsync(ServiceName) : null;
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            return null;
        }
    }

    private void OnSwitchMaster(RedisChannel channel, RedisValue message)
    {
        // "<service> <old ip> <old port> <new ip> <new port>"
        var service = message.ToString().Split(' ', 2)[0];
        if (service == ServiceName && _checkNow.CurrentCount == 0)
        {
            try
            {
                _checkNow.Release();
            }
            catch (SemaphoreFullException)
            {
                // A check is already due.
            }
        }
    }

    private static EndPoint? Ask(Func<EndPoint?> ask)
    {
        try
        {
            return ask();
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            return null;
        }
    }

    /// <summary>The endpoint most answers name: while a failover spreads, one Sentinel may still name the old master.</summary>
    private static EndPoint? Vote(IEnumerable<EndPoint?> answers) => answers
        .OfType<EndPoint>()
        .GroupBy(EndPointCollection.ToString)
        .OrderByDescending(group => group.Count())
        .Select(group => group.First())
        .FirstOrDefault();

    private static bool SameEndPoint(EndPoint a, EndPoint? b) =>
        b is not null && EndPointCollection.ToString(a) == EndPointCollection.ToString(b);

    [LoggerMessage(EventId = 9005, Level = LogLevel.Warning, Message = "Could not ask the Sentinels for the master of '{ServiceName}': {Reason}")]
    private static partial void LogAskFailed(ILogger logger, string serviceName, string reason);
}
