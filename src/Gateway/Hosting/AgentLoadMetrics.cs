using Gateway.Claims;
using Gateway.Core;
using Gateway.Metrics;
using Gateway.Registry;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Hosting;

/// <summary>
/// The autoscaler gauges, read when Prometheus scrapes: per agent, the instances that can take calls and their summed
/// capacity (from this replica's registry snapshot, which every replica shares) and the calls it holds across all
/// replicas (from the claims), and the callers waiting for it (from its queue). Every replica exports the same values, so a query takes <c>max by (org, agent)</c>.
/// </summary>
/// <remarks>
/// A scrape costs one pipelined round trip to Redis whatever the number of agents, and scrapes within
/// <see cref="CacheFor"/> of the last one (several Prometheus servers, a retried scrape) reuse its values. Series exist
/// only for agents the registry holds: a removed agent's series go with it.
/// </remarks>
public sealed partial class AgentLoadMetrics(
    GatewayMetrics metrics,
    IAgentRegistry registry,
    IInstanceClaims claims,
    IWaitingCallers waiting,
    TimeProvider time,
    ILogger<AgentLoadMetrics> logger) : IDisposable
{
    /// <summary>How long one reading of the claims serves scrapes.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _updating = new(1, 1);
    private HashSet<AgentKey> _exported = [];
    private DateTimeOffset? _updatedAt;
    private bool _failing;

    /// <summary>Runs before every collection of <see cref="GatewayMetrics.Registry"/>.</summary>
    public async Task UpdateAsync(CancellationToken cancellationToken)
    {
        await _updating.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (_updatedAt is { } last && now - last < CacheFor && now >= last)
            {
                return;
            }

            var agents = registry.Current.Agents.ToList();
            var calls = await CountCallsAsync(agents, cancellationToken);
            var exported = new HashSet<AgentKey>(agents.Count);
            foreach (var agent in agents)
            {
                var (org, name) = (agent.Key.Org, agent.Key.Agent);
                var live = agent.Instances.Where(i => i.IsLiveAt(now)).ToList();
                metrics.AgentInstances.WithLabels(org, name).Set(live.Count);
                metrics.AgentCapacity.WithLabels(org, name).Set(live.Sum(i => (long)i.Capacity));

                // Redis unreachable: the last count stays (an autoscaler holds its scale rather than reading zero calls).
                if (calls is not null)
                {
                    metrics.AgentCalls.WithLabels(org, name).Set(calls[agent.Key].Calls);
                    metrics.QueueWaiting.WithLabels(org, name).Set(calls[agent.Key].Waiting);
                }

                exported.Add(agent.Key);
            }

            foreach (var removed in _exported.Where(key => !exported.Contains(key)))
            {
                metrics.AgentInstances.RemoveLabelled(removed.Org, removed.Agent);
                metrics.AgentCapacity.RemoveLabelled(removed.Org, removed.Agent);
                metrics.AgentCalls.RemoveLabelled(removed.Org, removed.Agent);
                metrics.QueueWaiting.RemoveLabelled(removed.Org, removed.Agent);
            }

            _exported = exported;
            _updatedAt = now;
        }
        finally
        {
            _updating.Release();
        }
    }

    private async Task<Dictionary<AgentKey, (long Calls, long Waiting)>?> CountCallsAsync(List<RegisteredAgent> agents, CancellationToken cancellationToken)
    {
        try
        {
            var keys = agents.Select(a => a.Key).ToList();
            var calls = claims.CountAsync(keys, cancellationToken).AsTask();
            var queued = waiting.CountAsync(keys, cancellationToken).AsTask();
            await Task.WhenAll(calls, queued);
            var counts = keys.ToDictionary(key => key, key => (calls.Result[key], queued.Result[key]));
            if (_failing)
            {
                _failing = false;
                LogCountsBack(logger);
            }

            return counts;
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            metrics.RedisError(RedisOperations.Claims);
            if (!_failing)
            {
                _failing = true;
                LogCountsFailed(logger, e.Message);
            }

            return null;
        }
    }

    public void Dispose() => _updating.Dispose();

    [LoggerMessage(EventId = 13001, Level = LogLevel.Warning,
        Message = "Could not count the agents' calls in Redis for gateway_agent_calls ({Reason}); it keeps its last values until Redis answers")]
    private static partial void LogCountsFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 13002, Level = LogLevel.Information, Message = "gateway_agent_calls is counted from Redis again")]
    private static partial void LogCountsBack(ILogger logger);
}
