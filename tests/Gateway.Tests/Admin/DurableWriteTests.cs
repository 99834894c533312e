using System.Globalization;
using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Admin;

/// <summary>
/// An admin write is answered 2xx only once the replicas a failover could promote hold it (Redis WAIT); otherwise 503
/// redis_not_durable, and 503 redis_unavailable when Redis does not answer: never a 2xx for a write that may vanish,
/// never a bare 500.
/// </summary>
public sealed class DurableWriteTests
{
    private const string Agent = """{"instances":[{"id":"bot-1","url":"ws://127.0.0.1:9/ws","capacity":1}]}""";

    [Fact]
    public async Task A_write_no_replica_acknowledges_is_answered_503_redis_not_durable()
    {
        await using var master = await RedisServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(master.ConnectionString, settings: Settings(acknowledgements: 1));
        var admin = new AdminClient(gateway, AdminTokens.PlatformAdmin());

        var response = await admin.PutAsync("/admin/v1/orgs/acme/agents/support", Agent);

        response.AssertProblem(HttpStatusCode.ServiceUnavailable, "redis_not_durable");
        Assert.Equal("1", response.Headers["Retry-After"]);
        Assert.Contains("0 of the 1 Redis replicas", response.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_write_a_replica_acknowledges_is_answered_201()
    {
        await using var master = await RedisServer.StartAsync();
        await using var replica = await RedisProcess.StartAsync(_ => ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--replicaof", "127.0.0.1", master.Port.ToString(CultureInfo.InvariantCulture)]);
        await RedisProbe.UntilAsync(
            async () => (await RedisProbe.InfoAsync(replica.EndPoint, "replication")).GetValueOrDefault("master_link_status") == "up",
            "the replica is in sync",
            Wait.Timeout);
        var prefix = TestRedis.UniquePrefix();
        await using var gateway = await GatewayHost.StartAsync(master.ConnectionString, prefix, Settings(acknowledgements: 1));
        var admin = new AdminClient(gateway, AdminTokens.PlatformAdmin());

        var response = await admin.PutAsync("/admin/v1/orgs/acme/agents/support", Agent);

        // Acknowledged: the replica has it the moment the answer comes.
        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.NotNull((string?)await RedisProbe.ExecuteAsync(replica.EndPoint, "GET", $"{prefix}agent:{{acme/support}}"));
    }

    [Fact]
    public async Task A_write_while_Redis_is_down_is_answered_503_redis_unavailable()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, settings: Settings(acknowledgements: 0));
        var admin = new AdminClient(gateway, AdminTokens.PlatformAdmin());
        await redis.StopAsync();

        var response = await admin.PutAsync("/admin/v1/orgs/acme/agents/support", Agent);

        response.AssertProblem(HttpStatusCode.ServiceUnavailable, "redis_unavailable");
        Assert.Equal("1", response.Headers["Retry-After"]);
    }

    private static Dictionary<string, string?> Settings(int acknowledgements) => AdminTokens.Settings(new Dictionary<string, string?>
    {
        ["Redis:WriteAcknowledgements"] = acknowledgements.ToString(CultureInfo.InvariantCulture),
        ["Redis:WriteAcknowledgementTimeout"] = "00:00:00.200",
    });
}
