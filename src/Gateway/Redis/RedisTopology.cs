namespace Gateway.Redis;

/// <summary>How the Redis behind <c>ConnectionStrings:Redis</c> is deployed; it decides how masters are found and followed.</summary>
public enum RedisTopology
{
    /// <summary>One server (or a master with replicas, no Sentinel): the connection string names it.</summary>
    Standalone,

    /// <summary>Masters and replicas watched by Sentinels (<c>serviceName=…</c>): the gateway follows each master switch.</summary>
    Sentinel,

    /// <summary>Redis Cluster: the client follows slot moves and promotions by itself.</summary>
    Cluster,
}
