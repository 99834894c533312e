namespace Gateway.Core;

/// <summary>What happens to the shared state in Redis, told to whatever watches it (the Prometheus metrics).</summary>
public interface IStoreTelemetry
{
    /// <summary>A Redis command failed, or was not tried because Redis was unreachable (see <see cref="RedisOperations"/>).</summary>
    void RedisError(string operation);

    /// <summary>Re-asserting claims found <paramref name="agent"/> over a limit; once per episode.</summary>
    void ClaimsOverbooked(AgentKey agent);

    /// <summary>Claims of live calls that Redis had lost, written back.</summary>
    void ClaimsRestored(long count);

    /// <summary>Claims that writes without a reply had left in Redis, removed.</summary>
    void ClaimsCompensated(long count);
}
