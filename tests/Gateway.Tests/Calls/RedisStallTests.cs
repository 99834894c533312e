using System.Diagnostics;
using Gateway.Core;
using Gateway.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Gateway.Tests.Calls;

/// <summary>
/// Redis stalled past the command timeout (SIGSTOP: a network partition or a long fork looks the same to a client)
/// while calls start and end. Claim scripts the gateway gave up on still run when Redis wakes; the gateway undoes them,
/// so one second after the last call ended no claim is left.
/// </summary>
public sealed class RedisStallTests(ITestOutputHelper output)
{
    private static readonly AgentKey Support = new("acme", "support");

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Redis:CommandTimeout"] = "00:00:00.500",
    };

    [Fact]
    public async Task Calls_that_start_during_a_stall_and_end_after_it_leave_no_claim_one_second_after_the_last_ends()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, settings: Settings);
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 10));

        await redis.PauseAsync();
        var calls = new List<LiveTestCall>();
        for (var i = 0; i < 4; i++)
        {
            try
            {
                calls.Add(await TestCalls.ConnectAsync(gateway, bot, awaitSessionRecord: false));
            }
            catch
            {
                foreach (var line in gateway.Logs.Lines)
                {
                    output.WriteLine(line);
                }

                throw;
            }
        }

        await redis.ResumeAsync();

        // Redis ran the claim scripts it had queued: what is there now is the live calls' claims, once each.
        await Wait.UntilRedisAsync(async () => await gateway.ClaimCountAsync(Support) == 4, "the 4 live calls hold 4 claims");
        foreach (var call in calls)
        {
            await call.DisposeAsync();
        }

        var ended = Stopwatch.StartNew();
        await Wait.UntilAsync(() => gateway.LiveCalls.Count == 0, "the calls have ended");
        await Wait.UntilRedisAsync(async () => await gateway.ClaimCountAsync(Support) == 0, "no claim is left", TimeSpan.FromSeconds(1));
        output.WriteLine($"no claim left {ended.ElapsedMilliseconds} ms after the calls were hung up");
    }

    [Fact]
    public async Task Calls_that_start_and_end_during_a_stall_leave_no_claim_one_second_after_Redis_wakes()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString, settings: Settings);
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));

        await redis.PauseAsync();
        for (var i = 0; i < 3; i++)
        {
            // Capacity 1: each call must end before the next one, on local accounting, finds room.
            await using var call = await TestCalls.ConnectAsync(gateway, bot, awaitSessionRecord: false);
            await call.DisposeAsync();
            await Wait.UntilAsync(() => gateway.LiveCalls.Count == 0, "the call has ended");
        }

        await redis.ResumeAsync();
        var woke = Stopwatch.StartNew();
        await Wait.UntilRedisAsync(async () => await gateway.ClaimCountAsync(Support) == 0, "the claims Redis ran late are undone", TimeSpan.FromSeconds(1));
        output.WriteLine($"no claim left {woke.ElapsedMilliseconds} ms after Redis woke");

        // Capacity 1 is free again: a new call routes at once.
        await using var next = await TestCalls.ConnectAsync(gateway, bot);
        Assert.Equal(1, await gateway.ClaimCountAsync(Support));
    }
}
