using System.Net;
using Gateway.Core;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Gateway.Tests.Calls;

/// <summary>
/// Redis restarted without persistence (or flushed) under live calls on two replicas: each replica writes back what it
/// holds, so Redis is whole again within one renewal and capacity is enforced as before.
/// </summary>
public sealed class RedisRestartTests(ITestOutputHelper output)
{
    private static readonly AgentKey Support = new("acme", "support");

    // Short leases so that "within one renewal" is seconds, not the default 10 s.
    private static readonly Dictionary<string, string?> Leases = new()
    {
        ["Claims:LeaseDuration"] = "00:00:08",
        ["Claims:RenewInterval"] = "00:00:04",
    };

    [Fact]
    public async Task A_Redis_that_restarted_empty_holds_every_live_call_again_within_one_renewal_and_refuses_the_call_over_capacity()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var bot = await BotServer.StartAsync();
        await using var replicas = await ReplicaPair.StartAsync(redis.ConnectionString, TestRedis.UniquePrefix(), bot, capacity: 10, maxConcurrentCalls: 50, Leases);
        var (first, second) = (replicas.First, replicas.Second);
        var calls = await replicas.ConnectAsync(bot, 10);

        await redis.StopAsync();
        await redis.RestartAsync();
        var restarted = DateTime.UtcNow;

        var database = first.Services.GetRequiredService<RedisConnection>().Database;
        var keys = first.Services.GetRequiredService<RedisKeys>();
        var renewal = TimeSpan.FromSeconds(4);
        await Wait.UntilRedisAsync(async () => await database.SortedSetLengthAsync(keys.Claims(Support)) == 10, "Redis holds the 10 live calls' claims again", renewal);
        await Wait.UntilRedisAsync(async () => (await first.Sessions.ListAsync("acme")).Count == 10, "the sessions list shows the 10 live calls again", renewal);
        var whole = DateTime.UtcNow - restarted;
        output.WriteLine($"Redis whole again {whole.TotalMilliseconds:0} ms after it restarted empty");
        Assert.True(whole < renewal, $"whole again within one renewal ({whole.TotalMilliseconds:0} ms)");

        // The registry came back too: written back from the replicas' snapshots, at a revision past what they had seen.
        Assert.True(await database.KeyExistsAsync(keys.Agent(Support)));
        Assert.True((long)await database.StringGetAsync(keys.RegistryRevision) >= first.Registry.Current.Revision);

        // A replica whose links have not both reconnected yet claims on local accounting, as it should: wait for them.
        var secondLinks = second.Services.GetRequiredService<RedisConnection>();
        await Wait.UntilAsync(() => secondLinks.IsConnected, "the second replica is connected to Redis again");
        var refused = await UpgradeRequest.SendAsync(second.CallUri(TestCalls.SupportQuery));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal("no_capacity", refused.Problem.GetProperty("code").GetString());

        foreach (var call in calls)
        {
            await call.DisposeAsync();
        }

        await first.AssertCallGoneAsync(Support);
        await second.AssertCallGoneAsync(Support);
    }

    [Fact]
    public async Task Calls_admitted_on_local_accounting_while_Redis_was_down_are_written_to_it_once_it_answers()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, settings: Leases);
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 4));

        await redis.StopAsync();
        await using var during = await TestCalls.ConnectAsync(gateway, bot, awaitSessionRecord: false);
        var sessionId = Assert.Single(gateway.LiveCalls.Snapshot()).SessionId;
        await redis.RestartAsync();

        var database = gateway.Services.GetRequiredService<RedisConnection>().Database;
        var keys = gateway.Services.GetRequiredService<RedisKeys>();
        await Wait.UntilRedisAsync(async () => await database.SortedSetLengthAsync(keys.Claims(Support)) == 1, "the local claim is in Redis", TimeSpan.FromSeconds(4));
        Assert.Equal($"bot-1|{sessionId}", (await database.SortedSetRangeByRankAsync(keys.Claims(Support))).Single().ToString());
        await Wait.UntilRedisAsync(async () => await gateway.Sessions.GetAsync(sessionId) is not null, "the session record is in Redis", TimeSpan.FromSeconds(4));

        // Redis counts it now, local accounting no longer does: the call's end releases it from Redis.
        Assert.Equal(0, ((Gateway.Claims.RedisInstanceClaims)gateway.Services.GetRequiredService<Gateway.Claims.IInstanceClaims>()).LocalFallbackCount);
        await during.DisposeAsync();
        await gateway.AssertCallGoneAsync(Support);
    }
}
