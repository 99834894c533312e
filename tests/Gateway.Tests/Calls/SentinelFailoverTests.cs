using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Gateway.Core;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Gateway.Tests.Calls;

/// <summary>
/// A Sentinel failover under live calls and admin writes on two replicas, both ways it happens: <c>SENTINEL FAILOVER</c>
/// (the old master goes on taking writes until Sentinel demotes it, about 10 s later) and the master killed. No write
/// answered 2xx is lost, and the live calls' claims are on the new master within 5 s of the promotion.
/// </summary>
public sealed class SentinelFailoverTests(ITestOutputHelper output)
{
    private static readonly AgentKey Support = new("acme", "support");

    public enum Fault
    {
        SentinelFailover,
        MasterKilled,
    }

    [Theory]
    [InlineData(Fault.SentinelFailover)]
    [InlineData(Fault.MasterKilled)]
    public async Task No_acknowledged_write_is_lost_and_live_calls_claims_reach_the_new_master_within_5_s(Fault fault)
    {
        await using var sentinels = await RedisSentinelGroup.StartAsync();
        await using var bot = await BotServer.StartAsync();
        var prefix = TestRedis.UniquePrefix();
        var settings = AdminTokens.Settings(new Dictionary<string, string?> { ["Redis:WriteAcknowledgementTimeout"] = "00:00:00.300" });
        await using var replicas = await ReplicaPair.StartAsync(sentinels.ConnectionString, prefix, bot, capacity: 100, settings: settings);
        var (first, second) = (replicas.First, replicas.Second);
        var calls = await replicas.ConnectAsync(bot, 6);

        // Admin writes on both replicas, all through the failover: each agent written once, its maxConcurrentCalls the
        // write's number, so an acknowledged write can be told from a lost one on the new master.
        using var stopWriting = new CancellationTokenSource();
        var acknowledged = new ConcurrentDictionary<string, int>();
        var answers = new ConcurrentBag<HttpStatusCode>();
        var writing = WriteAgentsAsync([first, second], acknowledged, answers, stopWriting.Token);
        await Task.Delay(TimeSpan.FromSeconds(1));

        var oldMaster = sentinels.MasterEndPoint;
        var failover = fault == Fault.SentinelFailover ? await sentinels.FailoverAsync() : await sentinels.KillMasterAsync();
        output.WriteLine($"{fault}: promotion observed {failover.Duration.TotalMilliseconds:0} ms after the fault");

        // Every live call's claim on the new master, within 5 s of the promotion.
        var claimsKey = new RedisKeys(prefix).Claims(Support);
        await Wait.UntilRedisAsync(
            async () => (long)await sentinels.ExecuteOnAsync(failover.NewMaster, "ZCARD", claimsKey) == 6,
            "the new master holds the 6 live calls' claims",
            TimeSpan.FromSeconds(5) - (DateTime.UtcNow - failover.PromotedAtUtc));
        output.WriteLine($"claims on the new master {(DateTime.UtcNow - failover.PromotedAtUtc).TotalMilliseconds:0} ms after the promotion");

        // New calls route, on either replica, and are claimed on the new master.
        calls.AddRange(await replicas.ConnectAsync(bot, 4));

        await Wait.UntilRedisAsync(
            async () => (long)await sentinels.ExecuteOnAsync(failover.NewMaster, "ZCARD", claimsKey) == 10,
            "the new master holds the 10 live calls' claims");
        await Task.Delay(TimeSpan.FromSeconds(2));
        await stopWriting.CancelAsync();
        await writing;

        // Once the old master is a replica again (it threw away what only it had), every acknowledged write is on the new
        // master with what was acknowledged. Until then the new master has no replica: writes are answered 503.
        if (fault == Fault.MasterKilled)
        {
            await sentinels.RestartNodeAsync(oldMaster);
        }

        await sentinels.WaitUntilHealthyAsync();
        var admin = new AdminClient(second, AdminTokens.PlatformAdmin());
        var after = await admin.PutAsync("/admin/v1/orgs/acme/agents/after", """{"instances":[{"id":"bot-1","url":"ws://127.0.0.1:9/ws","capacity":1}]}""");
        Assert.Equal(HttpStatusCode.Created, after.Status);

        var keys = new RedisKeys(prefix);
        var lost = new List<string>();
        foreach (var (agent, maxCalls) in acknowledged)
        {
            var stored = (string?)await RedisProbe.AnswerAsync(
                () => sentinels.ExecuteOnAsync(failover.NewMaster, "GET", keys.Agent(new AgentKey("acme", agent))), $"GET {agent}", TimeSpan.FromSeconds(15));
            if (stored is null || JsonDocument.Parse(stored).RootElement.GetProperty("resource").GetProperty("maxConcurrentCalls").GetInt32() != maxCalls)
            {
                lost.Add(agent);
            }
        }

        output.WriteLine($"admin writes: {answers.Count} answered, {acknowledged.Count} acknowledged 2xx, {answers.Count(a => a == HttpStatusCode.ServiceUnavailable)} answered 503, {lost.Count} acknowledged and lost");
        Assert.Empty(lost);
        Assert.NotEmpty(acknowledged);
        Assert.All(answers, status => Assert.Contains(status, new[] { HttpStatusCode.Created, HttpStatusCode.ServiceUnavailable }));
        Assert.Contains(first.Logs.Lines, line => line.Contains("Redis master switched", StringComparison.Ordinal));

        foreach (var call in calls)
        {
            await call.DisposeAsync();
        }

        await Wait.UntilRedisAsync(async () => (long)await sentinels.ExecuteOnAsync(failover.NewMaster, "ZCARD", claimsKey) == 0, "every claim is released on the new master");
    }

    private static async Task WriteAgentsAsync(GatewayHost[] gateways, ConcurrentDictionary<string, int> acknowledged, ConcurrentBag<HttpStatusCode> answers, CancellationToken stop)
    {
        var admin = gateways.Select(g => new AdminClient(g, AdminTokens.PlatformAdmin())).ToArray();
        for (var i = 1; !stop.IsCancellationRequested; i++)
        {
            var agent = $"agent-{i}";
            var response = await admin[i % admin.Length].PutAsync(
                $"/admin/v1/orgs/acme/agents/{agent}",
                $$"""{"maxConcurrentCalls":{{i}},"instances":[{"id":"bot-1","url":"ws://127.0.0.1:9/ws","capacity":1}]}""");
            answers.Add(response.Status);
            if ((int)response.Status is >= 200 and < 300)
            {
                acknowledged[agent] = i;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }
    }
}
