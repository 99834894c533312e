using Gateway.Core;
using Gateway.Redis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Claims;

/// <summary>
/// The agents' queues in Redis, shared by every replica: a sorted set per agent in arrival order (tickets numbered by
/// Redis), places that lapse unless their replica renews them (each claim a waiting caller asks for renews its place),
/// and one channel whose notices wake the waiting callers of an agent on every replica when a claim is released or a
/// caller leaves.
/// </summary>
public sealed partial class RedisWaitingCallers(
    RedisConnection redis,
    RedisKeys keys,
    IOptions<CallQueueOptions> options,
    IStoreTelemetry metrics,
    TimeProvider time,
    ILogger<RedisWaitingCallers> logger) : IWaitingCallers, IDisposable
{
    private readonly QueueNotices _notices = new();
    private readonly SemaphoreSlim _subscribing = new(1, 1);
    private volatile bool _subscribed;

    public async ValueTask<QueuePlace> JoinAsync(AgentKey agent, string sessionId, int maxLength, CancellationToken cancellationToken)
    {
        try
        {
            await SubscribeAsync();
            var reply = (RedisResult[])(await redis.Database.ScriptEvaluateAsync(
                QueueScripts.Join,
                [keys.Queue(agent), keys.QueuePlaces(agent), keys.QueueTickets(agent)],
                [sessionId, (long)options.Value.PlaceLease.TotalMilliseconds, maxLength]))!;
            return new QueuePlace((int)reply[0] == 1 ? QueueJoin.Joined : QueueJoin.Full, (long)reply[1]);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            // With no shared queue there is no fair order to keep: the call is refused as it would be without one.
            metrics.RedisError(RedisOperations.Queue);
            LogJoinFailed(logger, sessionId, agent, e.Message);
            return new QueuePlace(QueueJoin.Unavailable, 0);
        }
    }

    public async ValueTask LeaveAsync(AgentKey agent, string sessionId)
    {
        try
        {
            await redis.Database.ScriptEvaluateAsync(QueueScripts.Leave, [keys.Queue(agent), keys.QueuePlaces(agent)], [sessionId, keys.QueueChanges.ToString(), agent.ToString()]);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            // Its place lapses with its lease, unrenewed.
            metrics.RedisError(RedisOperations.Queue);
            LogLeaveFailed(logger, sessionId, agent, e.Message);
        }
    }

    public Task WaitForTurnAsync(AgentKey agent, TimeSpan atMost, CancellationToken cancellationToken) =>
        _notices.WaitAsync(agent, atMost, time, cancellationToken);

    /// <summary>Places not yet lapsed, per agent (see <see cref="LeasedCounts"/>).</summary>
    public ValueTask<IReadOnlyDictionary<AgentKey, long>> CountAsync(IReadOnlyCollection<AgentKey> agents, CancellationToken cancellationToken) =>
        LeasedCounts.OfAsync(redis, agents, keys.QueuePlaces, time.GetUtcNow(), cancellationToken);

    public void Dispose() => _subscribing.Dispose();

    /// <summary>Subscribed before the first caller waits: no replica publishes a notice before one can wait for it.</summary>
    private async Task SubscribeAsync()
    {
        if (_subscribed)
        {
            return;
        }

        await _subscribing.WaitAsync();
        try
        {
            if (!_subscribed)
            {
                await redis.SubscribeAsync(keys.QueueChanges, OnNotice);
                _subscribed = true;
            }
        }
        finally
        {
            _subscribing.Release();
        }
    }

    private Task OnNotice(RedisValue message)
    {
        if (AgentKey.TryParse(message, out var agent))
        {
            _notices.Notify(agent);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Session {SessionId}: Redis did not take the call into the queue of {AgentKey} ({Reason}); it is refused as without a queue")]
    private static partial void LogJoinFailed(ILogger logger, string sessionId, AgentKey agentKey, string reason);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Warning, Message = "Session {SessionId}: could not take the call out of the queue of {AgentKey} ({Reason}); its place lapses")]
    private static partial void LogLeaveFailed(ILogger logger, string sessionId, AgentKey agentKey, string reason);
}
