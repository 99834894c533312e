using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Redis;

/// <summary>
/// The gateway's one way to Redis, shared by the whole process: the multiplexers of the current master (or cluster),
/// held atomically so that a Sentinel failover can swap them for the new master's while every caller keeps asking
/// this object.
/// </summary>
/// <remarks>
/// Two multiplexers per master. <see cref="Database"/> carries the hot path (claims, session records, spent tokens,
/// registry reads) and the registry's change notices. <see cref="WriteDatabase"/> carries writes that must be
/// acknowledged by replicas before they are answered (<see cref="DurableWrites"/>): a <c>WAIT</c> blocks the connection it
/// is sent on, so it gets a connection of its own and never holds a call's claim behind it.
/// </remarks>
public sealed partial class RedisConnection : IHostedService, IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<(RedisChannel Channel, Func<RedisValue, Task> Handler)> _subscriptions = [];
    private readonly ILogger _logger;
    private volatile RedisLink? _link;

    private readonly bool _sentinel;
    private readonly TimeSpan _commandTimeout;
    private readonly TimeProvider _time;

    internal RedisConnection(RedisLink? link, bool sentinel, TimeSpan commandTimeout, TimeProvider time, ILogger logger)
    {
        _logger = logger;
        _commandTimeout = commandTimeout;
        _time = time;
        _sentinel = sentinel;
        if (link is not null)
        {
            Attach(link);
        }
    }

    /// <summary>A single server, a Sentinel-managed master, or a cluster (known once a server of it answered).</summary>
    public RedisTopology Topology => _sentinel ? RedisTopology.Sentinel
        : _link?.Data.GetServers().Any(server => server.ServerType == ServerType.Cluster) == true ? RedisTopology.Cluster
        : RedisTopology.Standalone;

    /// <summary>With Sentinel: what moves this connection from master to master (a hosted service).</summary>
    public SentinelMasterFollower? Follower { get; init; }

    /// <summary>
    /// Raised when this process has (again) a working connection whose server may lack what it wrote before: a
    /// reconnection (Redis may have restarted empty) or a switch to a new master (it may have missed the last writes).
    /// Holders of state re-assert it.
    /// </summary>
    public event EventHandler? Restored;

    /// <summary>The master this process writes to now; null before the first one is known.</summary>
    public EndPoint? Master => _link?.Master;

    /// <summary>Both connections answer (they reconnect on their own, one a moment after the other).</summary>
    public bool IsConnected => _link is { } link && link.Data.IsConnected && link.Writes.IsConnected;

    /// <summary>For the hot path: claims, session records, spent tokens, registry reads.</summary>
    /// <exception cref="RedisConnectionException">No master is known yet.</exception>
    public IDatabase Database => Link.Data.GetDatabase();

    /// <summary>For writes confirmed with <c>WAIT</c> (admin writes, the key ring): see <see cref="DurableWrites"/>.</summary>
    /// <exception cref="RedisConnectionException">No master is known yet.</exception>
    public IDatabase WriteDatabase => Link.Writes.GetDatabase();

    /// <summary>
    /// <see cref="WriteDatabase"/>, once its connection answers: it is mostly idle, so after an outage it may still be
    /// reconnecting when the first admin write comes; that write waits up to the command timeout rather than fail at once.
    /// </summary>
    public async Task<IDatabase> WriteDatabaseAsync()
    {
        var link = Link;
        var deadline = _time.GetTimestamp();
        while (!link.Writes.IsConnected && link.Data.IsConnected && _time.GetElapsedTime(deadline) < _commandTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), _time);
        }

        return link.Writes.GetDatabase();
    }

    /// <summary>The multiplexer of <see cref="WriteDatabase"/>, to reach the server that holds a key.</summary>
    internal IConnectionMultiplexer WriteMultiplexer => Link.Writes;

    /// <summary>The multiplexer of <see cref="Database"/>; tests read what Redis holds through it.</summary>
    public IConnectionMultiplexer Multiplexer => Link.Data;

    private RedisLink Link => _link ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "No Redis master is known yet.");

    /// <summary>
    /// Raised when a holder of state found that Redis lost writes (see the registry's revision check): other holders
    /// write back what they know.
    /// </summary>
    public event EventHandler? DataLost;

    internal void ReportDataLoss() => DataLost?.Invoke(this, EventArgs.Empty);

    /// <summary>Subscribes now and on every master this connection switches to; messages are handled one at a time, in order.</summary>
    public async Task SubscribeAsync(RedisChannel channel, Func<RedisValue, Task> handler)
    {
        RedisLink? link;
        lock (_lock)
        {
            _subscriptions.Add((channel, handler));
            link = _link;
        }

        if (link is not null)
        {
            await SubscribeAsync(link, channel, handler);
        }
    }

    private static async Task SubscribeAsync(RedisLink link, RedisChannel channel, Func<RedisValue, Task> handler)
    {
        var queue = await link.Data.GetSubscriber().SubscribeAsync(channel);
        queue.OnMessage(message => handler(message.Message));
    }

    /// <summary>Moves every command to a new master's multiplexers and subscriptions; the old ones are closed.</summary>
    internal async Task SwitchAsync(RedisLink link)
    {
        RedisLink? old;
        (RedisChannel Channel, Func<RedisValue, Task> Handler)[] subscriptions;
        lock (_lock)
        {
            old = _link;
            subscriptions = [.. _subscriptions];
            Attach(link);
        }

        LogSwitched(_logger, old?.Master?.ToString() ?? "none", link.Master?.ToString() ?? "none");
        foreach (var (channel, handler) in subscriptions)
        {
            try
            {
                await SubscribeAsync(link, channel, handler);
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException)
            {
                // The multiplexer subscribes again by itself once it connects.
                LogSubscribeFailed(_logger, channel.ToString(), e.Message);
            }
        }

        if (old is not null)
        {
            old.Data.ConnectionRestored -= OnConnectionRestored;
            old.Data.ConnectionFailed -= OnConnectionFailed;
            await old.DisposeAsync();
        }

        Restored?.Invoke(this, EventArgs.Empty);
    }

    /// <summary>Starts following the Sentinels' master, when there are Sentinels.</summary>
    public Task StartAsync(CancellationToken cancellationToken) => Follower?.StartAsync(cancellationToken) ?? Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Follower?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        Follower?.Dispose();
        var link = _link;
        _link = null;
        if (link is not null)
        {
            link.Data.ConnectionRestored -= OnConnectionRestored;
            link.Data.ConnectionFailed -= OnConnectionFailed;
            await link.DisposeAsync();
        }
    }

    private void Attach(RedisLink link)
    {
        link.Data.ConnectionRestored += OnConnectionRestored;
        link.Data.ConnectionFailed += OnConnectionFailed;
        _link = link;
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        // The writes connection is mostly idle and would learn of the loss only at its next command (an admin write,
        // failing) or keep-alive: a ping now makes it notice, and reconnect, with the hot path's connection.
        if (e.ConnectionType == ConnectionType.Interactive && _link is { } link)
        {
            _ = link.Writes.GetDatabase().PingAsync(CommandFlags.FireAndForget);
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        // Subscription connections restore too; the interactive one is what state lives behind.
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            LogRestored(_logger, e.EndPoint);
            Restored?.Invoke(this, EventArgs.Empty);
        }
    }

    [LoggerMessage(EventId = 9001, Level = LogLevel.Warning, Message = "Redis master switched from {OldMaster} to {NewMaster}: every command now goes to the new master")]
    private static partial void LogSwitched(ILogger logger, string oldMaster, string newMaster);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Information, Message = "Redis connection to {EndPoint} restored")]
    private static partial void LogRestored(ILogger logger, EndPoint? endPoint);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Warning, Message = "Could not subscribe to {Channel} on the new master yet ({Reason})")]
    private static partial void LogSubscribeFailed(ILogger logger, string channel, string reason);
}
