using System.Diagnostics;
using System.Net;
using Gateway.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gateway.Tests.Redis;

/// <summary>The sentinel group itself, with real processes and real failovers; the output says how long each took.</summary>
public sealed class RedisSentinelGroupTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_key_written_through_the_sentinels_reaches_the_replica()
    {
        await using var group = await RedisSentinelGroup.StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(group.ConnectionString);

        await redis.GetDatabase().StringSetAsync("greeting", "hello");

        await using var master = await group.ConnectDirectAsync(group.MasterEndPoint);
        await using var replica = await group.ConnectDirectAsync(group.ReplicaEndPoint);
        Assert.True(replica.GetServer(group.ReplicaEndPoint).IsReplica);
        Assert.Equal("hello", await master.GetDatabase().StringGetAsync("greeting"));
        await Wait.UntilAsync(async () => await replica.GetDatabase().StringGetAsync("greeting") == "hello", "the replica holds the key");
    }

    [Fact]
    public async Task FailoverAsync_swaps_master_and_replica()
    {
        await using var group = await RedisSentinelGroup.StartAsync();
        var (master, replica) = (group.MasterEndPoint, group.ReplicaEndPoint);

        var failover = await group.FailoverAsync();
        output.WriteLine($"SENTINEL FAILOVER: the sentinels named the new master after {failover.Duration.TotalMilliseconds:F0} ms");

        Assert.Equal(replica, failover.NewMaster);
        Assert.Equal(replica, group.MasterEndPoint);
        Assert.Equal(master, group.ReplicaEndPoint);
        Assert.Equal("master", await RoleAsync(group, replica));

        // The old master goes on as a master, taking writes, until the sentinels make it a replica: then it resyncs
        // from the new master and what it took in the meantime is gone.
        await group.ExecuteOnAsync(master, "SET", "lost", "1");
        var demoted = Stopwatch.StartNew();

        // RedisProbe.UntilAsync, not Wait.UntilAsync: reconfiguring a node, the sentinels close its client connections.
        await RedisProbe.UntilAsync(async () => await RoleOnceAsync(group, master) == "slave", "the sentinels make the old master a replica", TimeSpan.FromSeconds(30));
        output.WriteLine($"The old master went on as a master for {demoted.ElapsedMilliseconds} ms after the promotion");
        await RedisProbe.UntilAsync(async () => ((string?)await group.ExecuteOnAsync(master, "INFO", "replication"))!.Contains("master_link_status:up", StringComparison.Ordinal), "the old master is in sync", TimeSpan.FromSeconds(30));
        Assert.True((await AskAsync(group, master, "GET", "lost")).IsNull);
    }

    [Fact]
    public async Task KillMasterAsync_promotes_the_replica_and_the_killed_node_comes_back_as_its_replica()
    {
        await using var group = await RedisSentinelGroup.StartAsync();
        var (master, replica) = (group.MasterEndPoint, group.ReplicaEndPoint);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(group.ConnectionString);
        await redis.GetDatabase().StringSetAsync("before", "1");
        await Wait.UntilAsync(async () => (string?)await group.ExecuteOnAsync(replica, "GET", "before") == "1", "the replica holds the key");

        var failover = await group.KillMasterAsync();
        output.WriteLine($"Master killed: the sentinels named the new master after {failover.Duration.TotalMilliseconds:F0} ms");

        Assert.Equal(replica, failover.NewMaster);
        Assert.Equal(replica, group.MasterEndPoint);
        Assert.Equal("master", await RoleAsync(group, replica));
        Assert.Equal("1", (string?)await AskAsync(group, replica, "GET", "before"));
        var writable = await WriteUntilAcceptedAsync(redis.GetDatabase(), "after");
        output.WriteLine($"StackExchange.Redis wrote through the sentinels again {(writable - failover.PromotedAtUtc).TotalMilliseconds:F0} ms after the promotion");

        var restart = Stopwatch.StartNew();
        await group.RestartNodeAsync(master);
        output.WriteLine($"The killed node, restarted empty, was a replica in sync after {restart.ElapsedMilliseconds} ms");
        Assert.Equal("slave", await RoleAsync(group, master));
        Assert.Equal("1", (string?)await AskAsync(group, master, "GET", "before"));
    }

    private static async Task<string?> RoleAsync(RedisSentinelGroup group, EndPoint node) =>
        (string?)((RedisResult[]?)await AskAsync(group, node, "ROLE"))![0];

    /// <summary>The node's role from one question, for a poll that asks again by itself.</summary>
    private static async Task<string?> RoleOnceAsync(RedisSentinelGroup group, EndPoint node) =>
        (string?)((RedisResult[]?)await group.ExecuteOnAsync(node, "ROLE"))![0];

    /// <summary>
    /// One command on one node, asked again while the node cannot answer: right after a failover the sentinels close
    /// the nodes' client connections, and on a busy machine one answer can take longer than a probe waits.
    /// </summary>
    private static Task<RedisResult> AskAsync(RedisSentinelGroup group, EndPoint node, string command, params object[] arguments) =>
        RedisProbe.AnswerAsync(() => group.ExecuteOnAsync(node, command, arguments), $"{command} on {node}", TimeSpan.FromSeconds(15));

    /// <summary>Retries a write until StackExchange.Redis has found the new master (bounded); returns when it was accepted.</summary>
    private static async Task<DateTime> WriteUntilAcceptedAsync(IDatabase db, RedisKey key)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await db.StringSetAsync(key, "1");
                return DateTime.UtcNow;
            }
            catch (RedisException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }
}
