using Gateway.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gateway.Tests.Redis;

/// <summary>The cluster group itself, with real processes and a real failover; the output says how long it took.</summary>
public sealed class RedisClusterGroupTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_key_lands_on_the_master_of_its_slot_and_reaches_its_replica()
    {
        await using var cluster = await RedisClusterGroup.StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);

        await redis.GetDatabase().StringSetAsync("greeting", "hello");

        var master = await cluster.MasterOfAsync("greeting");
        var replica = await cluster.ReplicaOfAsync(master);
        Assert.Equal("hello", (string?)await cluster.ExecuteOnAsync(master, "GET", "greeting"));
        await Wait.UntilAsync(async () => (string?)await cluster.ExecuteOnAsync(replica, "GET", "greeting") == "hello", "the replica holds the key");
        foreach (var other in (await cluster.NodesAsync()).Where(n => n.IsMaster && !n.EndPoint.Equals(master)))
        {
            var moved = await Assert.ThrowsAsync<RedisServerException>(() => cluster.ExecuteOnAsync(other.EndPoint, "GET", "greeting"));
            Assert.StartsWith("MOVED", moved.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task KillMasterOfAsync_promotes_the_replica_and_writes_resume()
    {
        await using var cluster = await RedisClusterGroup.StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        await redis.GetDatabase().StringSetAsync("greeting", "hello");
        var master = await cluster.MasterOfAsync("greeting");
        var replica = await cluster.ReplicaOfAsync(master);
        await Wait.UntilAsync(async () => (string?)await cluster.ExecuteOnAsync(replica, "GET", "greeting") == "hello", "the replica holds the key");

        var failover = await cluster.KillMasterOfAsync("greeting");
        output.WriteLine($"Cluster master killed: its replica said ROLE master after {failover.Duration.TotalMilliseconds:F0} ms");

        Assert.Equal(replica, failover.NewMaster);
        Assert.Equal(replica, await cluster.MasterOfAsync("greeting"));
        Assert.Equal("hello", (string?)await cluster.ExecuteOnAsync(replica, "GET", "greeting"));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await redis.GetDatabase().StringSetAsync("greeting", "again");
                break;
            }
            catch (RedisException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }

        output.WriteLine($"StackExchange.Redis wrote the key again {(DateTime.UtcNow - failover.PromotedAtUtc).TotalMilliseconds:F0} ms after the promotion");
        Assert.Equal("again", (string?)await cluster.ExecuteOnAsync(replica, "GET", "greeting"));
    }
}
