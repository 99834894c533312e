using System.Diagnostics;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Metrics;
using Gateway.Redis;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Claims;

/// <summary>
/// The queue's order as the claims keep it, in Redis (shared by replicas) and in process: while callers wait, a free
/// slot goes to the earliest of them; a newcomer stands last; a full queue refuses; a place nobody renews lapses.
/// </summary>
public sealed class WaitingCallersTests
{
    private static readonly AgentKey Support = new("acme", "support");
    private static readonly IReadOnlySet<string> NoneExcluded = new HashSet<string>();

    public static TheoryData<string> Stores => new() { "local", "redis" };

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_free_slot_goes_to_the_earliest_waiting_caller_and_newcomers_stand_last(string store)
    {
        await using var replica = await ReplicaAsync(store);
        var agent = Agent(("a", 1), ("b", 1));
        var busy = await replica.Claims.ClaimAsync(agent, "holder-1", NoneExcluded, Wait.Token());
        var other = await replica.Claims.ClaimAsync(agent, "holder-2", NoneExcluded, Wait.Token());
        Assert.Equal(new QueuePlace(QueueJoin.Joined, 1), await replica.Queue.JoinAsync(Support, "first", 10, Wait.Token()));
        Assert.Equal(new QueuePlace(QueueJoin.Joined, 2), await replica.Queue.JoinAsync(Support, "second", 10, Wait.Token()));
        Assert.Equal(new QueuePlace(QueueJoin.Joined, 2), await replica.Queue.JoinAsync(Support, "first", 10, Wait.Token()));

        await replica.Claims.ReleaseAsync(busy.Claim!);

        // One slot free, two callers waiting: only the first may take it; the second and a newcomer may not.
        Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "second", NoneExcluded, Wait.Token()));
        Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "newcomer", NoneExcluded, Wait.Token()));
        Assert.Equal("a", (await replica.Claims.ClaimAsync(agent, "first", NoneExcluded, Wait.Token())).Claim!.Instance.Id);
        Assert.Equal(1, await replica.WaitingAsync());

        // With the first served, the second is at the front; the newcomer still stands behind it.
        await replica.Claims.ReleaseAsync(other.Claim!);
        Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "newcomer", NoneExcluded, Wait.Token()));
        Assert.Equal("b", (await replica.Claims.ClaimAsync(agent, "second", NoneExcluded, Wait.Token())).Claim!.Instance.Id);
        Assert.Equal(0, await replica.WaitingAsync());
    }

    [Theory]
    [MemberData(nameof(Stores))]
    public async Task A_full_queue_refuses_and_a_caller_who_leaves_makes_room_and_moves_the_queue(string store)
    {
        await using var replica = await ReplicaAsync(store);
        var agent = Agent(("a", 1));
        var busy = await replica.Claims.ClaimAsync(agent, "holder", NoneExcluded, Wait.Token());
        await replica.Queue.JoinAsync(Support, "first", 2, Wait.Token());
        await replica.Queue.JoinAsync(Support, "second", 2, Wait.Token());

        Assert.Equal(new QueuePlace(QueueJoin.Full, 2), await replica.Queue.JoinAsync(Support, "third", 2, Wait.Token()));

        var moved = replica.Queue.WaitForTurnAsync(Support, TimeSpan.FromSeconds(30), Wait.Token());
        await replica.Queue.LeaveAsync(Support, "first");
        await moved.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(new QueuePlace(QueueJoin.Joined, 2), await replica.Queue.JoinAsync(Support, "third", 2, Wait.Token()));

        var freed = replica.Queue.WaitForTurnAsync(Support, TimeSpan.FromSeconds(30), Wait.Token());
        await replica.Claims.ReleaseAsync(busy.Claim!);
        await freed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "third", NoneExcluded, Wait.Token()));
        Assert.Equal(ClaimStatus.Claimed, (await replica.Claims.ClaimAsync(agent, "second", NoneExcluded, Wait.Token())).Status);
    }

    [Fact]
    public async Task A_place_its_replica_stops_renewing_lapses_and_stops_blocking_the_callers_behind()
    {
        await using var dead = await ReplicaAsync("redis", TimeSpan.FromSeconds(1));
        await using var live = await ReplicaAsync("redis", TimeSpan.FromSeconds(1), dead.Prefix);
        var agent = Agent(("a", 1));
        await dead.Queue.JoinAsync(Support, "orphan", 10, Wait.Token());
        Assert.Equal(ClaimResult.NoFreeInstance, await live.Claims.ClaimAsync(agent, "newcomer", NoneExcluded, Wait.Token()));

        await Task.Delay(TimeSpan.FromSeconds(1.2));

        Assert.Equal(0, await live.WaitingAsync());
        Assert.Equal(ClaimStatus.Claimed, (await live.Claims.ClaimAsync(agent, "newcomer", NoneExcluded, Wait.Token())).Status);
    }

    [Fact]
    public async Task A_slot_freed_on_one_replica_wakes_the_waiting_callers_of_the_other_at_once()
    {
        await using var first = await ReplicaAsync("redis");
        await using var second = await ReplicaAsync("redis", prefix: first.Prefix);
        var agent = Agent(("a", 1));
        var busy = await first.Claims.ClaimAsync(agent, "holder", NoneExcluded, Wait.Token());
        await second.Queue.JoinAsync(Support, "waiting", 10, Wait.Token());

        var woken = second.Queue.WaitForTurnAsync(Support, TimeSpan.FromSeconds(30), Wait.Token());
        var clock = Stopwatch.StartNew();
        await first.Claims.ReleaseAsync(busy.Claim!);
        await woken.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5));
        Assert.Equal(ClaimStatus.Claimed, (await second.Claims.ClaimAsync(agent, "waiting", NoneExcluded, Wait.Token())).Status);
    }

    private static RegisteredAgent Agent(params (string Id, int Capacity)[] instances) => new(
        Support,
        new AgentResource
        {
            MaxConcurrentCalls = 100,
            Instances = [.. instances.Select(i => new AgentInstance { Id = i.Id, Url = new Uri($"ws://127.0.0.1:9/{i.Id}"), Capacity = i.Capacity })],
        },
        1);

    private static async Task<Replica> ReplicaAsync(string store, TimeSpan? placeLease = null, string? prefix = null)
    {
        if (store == "local")
        {
            var queue = new LocalWaitingCallers(TimeProvider.System);
            return new Replica(new LocalInstanceClaims(TimeProvider.System, queue), queue, null, string.Empty);
        }

        prefix ??= TestRedis.UniquePrefix();
        var redis = TestRedis.Connect(await TestRedis.ConnectionStringAsync(), prefix);
        var options = Options.Create(new CallQueueOptions { PlaceLease = placeLease ?? TimeSpan.FromSeconds(5), PollInterval = TimeSpan.FromMilliseconds(250) });
        var keys = new RedisKeys(prefix);
        var metrics = new GatewayMetrics();
        var claims = new RedisInstanceClaims(redis, keys, Options.Create(new LeaseOptions()), options, metrics, TimeProvider.System, NullLogger<RedisInstanceClaims>.Instance);
        var waiting = new RedisWaitingCallers(redis, keys, options, metrics, TimeProvider.System, NullLogger<RedisWaitingCallers>.Instance);
        return new Replica(claims, waiting, redis, prefix);
    }

    private sealed record Replica(IInstanceClaims Claims, IWaitingCallers Queue, RedisConnection? Redis, string Prefix) : IAsyncDisposable
    {
        public async Task<long> WaitingAsync() => (await Queue.CountAsync([Support], Wait.Token()))[Support];

        public async ValueTask DisposeAsync()
        {
            (Queue as IDisposable)?.Dispose();
            if (Redis is not null)
            {
                await Redis.DisposeAsync();
            }
        }
    }
}
