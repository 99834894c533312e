using System.Net;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// What a failover did: which node is master now, when the test set it off and when the promotion was first
/// observed (a sentinel naming the new master, or the cluster replica's ROLE turning master).
/// </summary>
public sealed record RedisFailover(EndPoint NewMaster, DateTime StartedAtUtc, DateTime PromotedAtUtc)
{
    public TimeSpan Duration => PromotedAtUtc - StartedAtUtc;
}
