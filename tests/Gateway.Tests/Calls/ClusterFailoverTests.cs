using System.Diagnostics;
using Gateway.Core;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.Tests.Calls;

/// <summary>
/// Redis Cluster with one replica per master, the master that holds an agent's keys killed under live calls on two
/// replicas: calls keep routing, and the agent and its live calls' claims are on the promoted replica.
/// </summary>
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    private static readonly AgentKey Support = new("acme", "support");

    [Fact]
    public async Task A_killed_master_s_agent_and_claims_reach_the_promoted_replica_and_calls_keep_routing()
    {
        await using var cluster = await RedisClusterGroup.StartAsync();
        await using var bot = await BotServer.StartAsync();
        var prefix = TestRedis.UniquePrefix();
        var keys = new RedisKeys(prefix);
        await using var replicas = await ReplicaPair.StartAsync(cluster.ConnectionString, prefix, bot, capacity: 100);
        var calls = await replicas.ConnectAsync(bot, 4);

        var failover = await cluster.KillMasterOfAsync(keys.Claims(Support));
        output.WriteLine($"promotion observed {failover.Duration.TotalMilliseconds:0} ms after the master was killed");

        // The agent's write was confirmed on the replica before it was acknowledged: the promoted replica has it.
        Assert.NotNull((string?)await RedisProbe.AnswerAsync(
            () => cluster.ExecuteOnAsync(failover.NewMaster, "GET", keys.Agent(Support)), "GET the agent on the promoted replica", TimeSpan.FromSeconds(15)));
        var whole = Stopwatch.StartNew();
        await Wait.UntilRedisAsync(
            async () => (long)await cluster.ExecuteOnAsync(failover.NewMaster, "ZCARD", keys.Claims(Support)) == 4,
            "the promoted replica holds the 4 live calls' claims",
            TimeSpan.FromSeconds(15));
        output.WriteLine($"claims on the promoted replica {whole.ElapsedMilliseconds} ms after the promotion was observed");

        // Live calls were never cut, and new calls route on both replicas, claimed on the promoted replica.
        foreach (var call in calls)
        {
            var media = Gateway.CallSimulator.TelnyxFrames.Media(call.Call, 2, 1, 0, Gateway.CallSimulator.TelnyxFrames.SilenceFrame(1));
            await call.Telnyx.SendTextAsync(media);
            Assert.Equal(media, (await call.Bot.ReceiveAsync()).Payload);
        }

        calls.AddRange(await replicas.ConnectAsync(bot, 2));
        await Wait.UntilRedisAsync(
            async () => (long)await cluster.ExecuteOnAsync(failover.NewMaster, "ZCARD", keys.Claims(Support)) == 6,
            "the promoted replica holds the 6 live calls' claims");

        foreach (var call in calls)
        {
            await call.DisposeAsync();
        }

        await Wait.UntilRedisAsync(async () => (long)await cluster.ExecuteOnAsync(failover.NewMaster, "ZCARD", keys.Claims(Support)) == 0, "every claim is released");
    }
}
