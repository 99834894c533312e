using Gateway.Claims;
using Gateway.Core;
using Gateway.Metrics;
using Gateway.Redis;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Tests.Claims;

/// <summary>
/// Instance claims shared by replicas through Redis. Each "replica" here is its own multiplexer and claims object
/// on one real redis-server, under a key prefix no other test uses.
/// </summary>
public sealed class RedisInstanceClaimsTests
{
    private static readonly AgentKey Support = new("acme", "support");
    private static readonly IReadOnlySet<string> NoneExcluded = new HashSet<string>();

    private readonly string _prefix = TestRedis.UniquePrefix();

    [Fact]
    public async Task Each_claim_takes_the_least_loaded_instance_relative_to_its_capacity()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var agent = Agent(100, ("a", 1), ("b", 3), ("c", 2));

        var picks = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var result = await replica.Claims.ClaimAsync(agent, $"s{i}", NoneExcluded, Wait.Token());
            Assert.Equal(ClaimStatus.Claimed, result.Status);
            picks.Add(result.Claim!.Instance.Id);
        }

        // All empty: a, first listed, wins the tie. Then b (0/3) and c (0/2) tie and b wins by order; c (0/2) beats
        // b (1/3); b (1/3) beats c (1/2); c (1/2) beats b (2/3); b takes the last seat.
        Assert.Equal(["a", "b", "c", "b", "c", "b"], picks);
        Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "s6", NoneExcluded, Wait.Token()));
        Assert.Equal(new Dictionary<string, int> { ["a"] = 1, ["b"] = 3, ["c"] = 2 }, await ClaimsByInstanceAsync(replica.Redis));
    }

    [Fact]
    public async Task A_claim_carries_the_agent_instance_and_session()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var agent = Agent(10, ("bot-1", 1));

        var result = await replica.Claims.ClaimAsync(agent, "session-1", NoneExcluded, Wait.Token());

        Assert.Equal(ClaimStatus.Claimed, result.Status);
        Assert.Equal(new InstanceClaim(Support, agent.Resource.Instances[0], "session-1", IsLocal: false), result.Claim);
        Assert.Equal(["bot-1|session-1"], (await replica.Redis.Database.SortedSetRangeByRankAsync(ClaimsKey)).Select(m => m.ToString()));
        Assert.Equal(0, replica.Claims.LocalFallbackCount);
    }

    [Fact]
    public async Task A_reservation_holds_its_instance_until_the_same_session_claims_it_on_any_replica()
    {
        var connection = await TestRedis.ConnectionStringAsync();
        await using var dialing = Replica.Connect(connection, _prefix);
        await using var answering = Replica.Connect(connection, _prefix);
        var agent = Agent(10, ("a", 1), ("b", 1));

        var reserved = await dialing.Claims.ReserveAsync(agent, "dialed", NoneExcluded, TimeSpan.FromMinutes(2), Wait.Token());
        var inbound = await answering.Claims.ClaimAsync(agent, "inbound", NoneExcluded, Wait.Token());
        var full = await answering.Claims.ClaimAsync(agent, "another", NoneExcluded, Wait.Token());
        var stream = await answering.Claims.ClaimAsync(agent, "dialed", NoneExcluded, Wait.Token());

        Assert.Equal("a", reserved.Claim!.Instance.Id);
        Assert.Equal("b", inbound.Claim!.Instance.Id);
        Assert.Equal(ClaimResult.NoFreeInstance, full);
        Assert.Equal(new InstanceClaim(Support, agent.Resource.Instances[0], "dialed", IsLocal: false), stream.Claim);
        Assert.Equal(["a|dialed", "b|inbound"], (await dialing.Redis.Database.SortedSetRangeByRankAsync(ClaimsKey)).Select(m => m.ToString()).Order());

        // Claimed by its stream, the reservation took the call's lease (30 s), no longer the hold (2 min).
        var score = await dialing.Redis.Database.SortedSetScoreAsync(ClaimsKey, "a|dialed");
        Assert.InRange(score!.Value - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 25_000, 31_000);
    }

    [Fact]
    public async Task An_unclaimed_reservation_lapses_after_its_hold()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix, lease: TimeSpan.FromMilliseconds(300));
        var agent = Agent(1, ("a", 1));

        await replica.Claims.ReserveAsync(agent, "dialed", NoneExcluded, TimeSpan.FromSeconds(1), Wait.Token());

        Assert.Equal(ClaimResult.AgentAtLimit, await replica.Claims.ClaimAsync(agent, "inbound", NoneExcluded, Wait.Token()));
        await Wait.UntilAsync(async () => (await replica.Claims.ClaimAsync(agent, "inbound", NoneExcluded, Wait.Token())).Status == ClaimStatus.Claimed, "the reservation lapsed");
        Assert.Equal(["a|inbound"], (await replica.Redis.Database.SortedSetRangeByRankAsync(ClaimsKey)).Select(m => m.ToString()));
    }

    [Fact]
    public async Task A_claim_with_a_shorter_lease_does_not_cut_the_claim_sets_life_below_a_reservations()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix, lease: TimeSpan.FromMilliseconds(300));
        var agent = Agent(2, ("a", 2));

        await replica.Claims.ReserveAsync(agent, "dialed", NoneExcluded, TimeSpan.FromSeconds(3), Wait.Token());
        var inbound = await replica.Claims.ClaimAsync(agent, "inbound", NoneExcluded, Wait.Token());

        Assert.Equal(ClaimStatus.Claimed, inbound.Status);
        Assert.InRange((await replica.Redis.Database.KeyTimeToLiveAsync(ClaimsKey))!.Value, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(6.1));
    }

    [Fact]
    public async Task A_reservation_on_an_instance_no_longer_offered_is_dropped_and_another_claimed()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var agent = Agent(10, ("a", 1), ("b", 1));
        await replica.Claims.ReserveAsync(agent, "dialed", NoneExcluded, TimeSpan.FromMinutes(2), Wait.Token());

        var stream = await replica.Claims.ClaimAsync(agent, "dialed", new HashSet<string> { "a" }, Wait.Token());

        Assert.Equal("b", stream.Claim!.Instance.Id);
        Assert.Equal(["b|dialed"], (await replica.Redis.Database.SortedSetRangeByRankAsync(ClaimsKey)).Select(m => m.ToString()));
    }

    [Fact]
    public async Task Two_replicas_together_never_exceed_any_instance_capacity()
    {
        var connection = await TestRedis.ConnectionStringAsync();
        await using var first = Replica.Connect(connection, _prefix);
        await using var second = Replica.Connect(connection, _prefix);
        var agent = Agent(100, ("a", 2), ("b", 2), ("c", 2));

        var attempts = Enumerable.Range(0, 20)
            .Select(i => Task.Run(async () => await (i % 2 == 0 ? first : second).Claims.ClaimAsync(agent, $"s{i}", NoneExcluded, Wait.Token())));
        var results = await Task.WhenAll(attempts);

        Assert.Equal(6, results.Count(r => r.Status == ClaimStatus.Claimed));
        Assert.Equal(14, results.Count(r => r.Status == ClaimStatus.NoFreeInstance));
        Assert.Equal(
            new Dictionary<string, int> { ["a"] = 2, ["b"] = 2, ["c"] = 2 },
            results.Where(r => r.Claim is not null).GroupBy(r => r.Claim!.Instance.Id).ToDictionary(g => g.Key, g => g.Count()));
        Assert.Equal(new Dictionary<string, int> { ["a"] = 2, ["b"] = 2, ["c"] = 2 }, await ClaimsByInstanceAsync(first.Redis));
    }

    [Fact]
    public async Task The_agent_limit_is_enforced_across_replicas_before_instance_capacity()
    {
        var connection = await TestRedis.ConnectionStringAsync();
        await using var first = Replica.Connect(connection, _prefix);
        await using var second = Replica.Connect(connection, _prefix);
        var agent = Agent(3, ("a", 2), ("b", 2));

        Assert.Equal(ClaimStatus.Claimed, (await first.Claims.ClaimAsync(agent, "s1", NoneExcluded, Wait.Token())).Status);
        Assert.Equal(ClaimStatus.Claimed, (await second.Claims.ClaimAsync(agent, "s2", NoneExcluded, Wait.Token())).Status);
        Assert.Equal(ClaimStatus.Claimed, (await first.Claims.ClaimAsync(agent, "s3", NoneExcluded, Wait.Token())).Status);

        // One seat is still free on an instance: only the agent limit can refuse these.
        Assert.Equal(ClaimResult.AgentAtLimit, await second.Claims.ClaimAsync(agent, "s4", NoneExcluded, Wait.Token()));
        Assert.Equal(ClaimResult.AgentAtLimit, await first.Claims.ClaimAsync(agent, "s5", NoneExcluded, Wait.Token()));
        Assert.Equal(3, await first.Redis.Database.SortedSetLengthAsync(ClaimsKey));
    }

    [Fact]
    public async Task The_agent_limit_is_reported_even_when_every_instance_is_also_full()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var agent = Agent(2, ("a", 2));
        await replica.Claims.ClaimAsync(agent, "s1", NoneExcluded, Wait.Token());
        await replica.Claims.ClaimAsync(agent, "s2", NoneExcluded, Wait.Token());

        Assert.Equal(ClaimResult.AgentAtLimit, await replica.Claims.ClaimAsync(agent, "s3", NoneExcluded, Wait.Token()));
    }

    [Fact]
    public async Task Excluded_instances_are_skipped_even_when_least_loaded()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var agent = Agent(10, ("a", 1), ("b", 1), ("c", 1));

        var result = await replica.Claims.ClaimAsync(agent, "s1", new HashSet<string> { "a" }, Wait.Token());
        Assert.Equal("b", result.Claim!.Instance.Id);

        Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "s2", new HashSet<string> { "a", "c" }, Wait.Token()));
        Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "s3", new HashSet<string> { "a", "b", "c" }, Wait.Token()));
        Assert.Equal("a", (await replica.Claims.ClaimAsync(agent, "s4", new HashSet<string> { "c" }, Wait.Token())).Claim!.Instance.Id);
    }

    [Fact]
    public async Task Claims_on_excluded_instances_still_count_toward_the_agent_limit()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var agent = Agent(1, ("a", 5), ("b", 5));
        Assert.Equal("a", (await replica.Claims.ClaimAsync(agent, "s1", NoneExcluded, Wait.Token())).Claim!.Instance.Id);

        Assert.Equal(ClaimResult.AgentAtLimit, await replica.Claims.ClaimAsync(agent, "s2", new HashSet<string> { "a" }, Wait.Token()));
    }

    [Fact]
    public async Task Releasing_a_claim_frees_its_seat()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var agent = Agent(10, ("a", 1), ("b", 1));
        var first = (await replica.Claims.ClaimAsync(agent, "s1", NoneExcluded, Wait.Token())).Claim!;
        await replica.Claims.ClaimAsync(agent, "s2", NoneExcluded, Wait.Token());
        Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "s3", NoneExcluded, Wait.Token()));

        await replica.Claims.ReleaseAsync(first);

        var again = await replica.Claims.ClaimAsync(agent, "s4", NoneExcluded, Wait.Token());
        Assert.Equal("a", again.Claim!.Instance.Id);
        Assert.Equal(["a|s4", "b|s2"], (await replica.Redis.Database.SortedSetRangeByRankAsync(ClaimsKey)).Select(m => m.ToString()).Order());

        // A second release of the same claim must not free the seat now held by s4.
        await replica.Claims.ReleaseAsync(first);
        Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "s5", NoneExcluded, Wait.Token()));
    }

    [Fact]
    public async Task A_claim_whose_lease_lapsed_no_longer_counts()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix, lease: TimeSpan.FromSeconds(1));
        var agent = Agent(1, ("a", 1));
        Assert.Equal(ClaimStatus.Claimed, (await replica.Claims.ClaimAsync(agent, "s1", NoneExcluded, Wait.Token())).Status);
        Assert.Equal(ClaimResult.AgentAtLimit, await replica.Claims.ClaimAsync(agent, "s2", NoneExcluded, Wait.Token()));

        // The whole set expires too, so an agent whose replicas all died leaves nothing behind.
        var ttl = await replica.Redis.Database.KeyTimeToLiveAsync(ClaimsKey);
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        await Task.Delay(TimeSpan.FromMilliseconds(1200));

        var after = await replica.Claims.ClaimAsync(agent, "s3", NoneExcluded, Wait.Token());
        Assert.Equal(ClaimStatus.Claimed, after.Status);
        Assert.Equal(["a|s3"], (await replica.Redis.Database.SortedSetRangeByRankAsync(ClaimsKey)).Select(m => m.ToString()));
    }

    [Fact]
    public async Task Renewing_keeps_a_claim_alive_past_its_original_lease()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix, lease: TimeSpan.FromSeconds(1));
        var agent = Agent(5, ("a", 1));
        var claim = (await replica.Claims.ClaimAsync(agent, "s1", NoneExcluded, Wait.Token())).Claim!;

        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            await replica.Claims.ReassertAsync(Wait.Token());
        }

        // 1.5 s after the claim: without the renewals it would have lapsed half a second ago.
        Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "s2", NoneExcluded, Wait.Token()));

        await Task.Delay(TimeSpan.FromMilliseconds(1200));
        Assert.Equal(ClaimStatus.Claimed, (await replica.Claims.ClaimAsync(agent, "s3", NoneExcluded, Wait.Token())).Status);
    }

    [Fact]
    public async Task Renewing_a_released_claim_does_not_bring_it_back()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var agent = Agent(5, ("a", 1));
        var claim = (await replica.Claims.ClaimAsync(agent, "s1", NoneExcluded, Wait.Token())).Claim!;
        await replica.Claims.ReleaseAsync(claim);

        await replica.Claims.ReassertAsync(Wait.Token());

        Assert.Equal(0, await replica.Redis.Database.SortedSetLengthAsync(ClaimsKey));
        Assert.Equal(ClaimStatus.Claimed, (await replica.Claims.ClaimAsync(agent, "s2", NoneExcluded, Wait.Token())).Status);
    }

    [Fact]
    public async Task Agents_are_counted_apart()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var support = Agent(1, ("a", 1));
        var sales = new RegisteredAgent(new AgentKey("acme", "sales"), support.Resource, 1);

        Assert.Equal(ClaimStatus.Claimed, (await replica.Claims.ClaimAsync(support, "s1", NoneExcluded, Wait.Token())).Status);
        Assert.Equal(ClaimStatus.Claimed, (await replica.Claims.ClaimAsync(sales, "s2", NoneExcluded, Wait.Token())).Status);
    }

    [Fact]
    public async Task With_redis_down_claims_fall_back_to_local_accounting_and_return_to_redis_after()
    {
        var server = await RedisServer.StartAsync();
        try
        {
            await using var replica = Replica.Connect(server.ConnectionString, _prefix);
            var agent = Agent(10, ("a", 1), ("b", 1));
            var before = (await replica.Claims.ClaimAsync(agent, "s0", NoneExcluded, Wait.Token())).Claim!;
            Assert.False(before.IsLocal);

            await server.StopAsync();
            await Wait.UntilAsync(() => !replica.Redis.IsConnected, "the multiplexer notices Redis is gone");

            // Local accounting knows nothing of Redis's claims: both instances look free to it.
            var local = await replica.Claims.ClaimAsync(agent, "s1", NoneExcluded, Wait.Token());
            Assert.Equal(ClaimStatus.Claimed, local.Status);
            Assert.Equal(new InstanceClaim(Support, agent.Resource.Instances[0], "s1", IsLocal: true), local.Claim);
            Assert.Equal(1, replica.Claims.LocalFallbackCount);
            Assert.Equal("b", (await replica.Claims.ClaimAsync(agent, "s2", NoneExcluded, Wait.Token())).Claim!.Instance.Id);
            Assert.Equal(2, replica.Claims.LocalFallbackCount);
            Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "s3", NoneExcluded, Wait.Token()));

            await replica.Claims.ReleaseAsync(local.Claim!);
            Assert.Equal(1, replica.Claims.LocalFallbackCount);
            await replica.Claims.ReleaseAsync(before);
            Assert.Equal(1, replica.Claims.LocalFallbackCount);
            Assert.Equal("a", (await replica.Claims.ClaimAsync(agent, "s4", NoneExcluded, Wait.Token())).Claim!.Instance.Id);
            Assert.Equal(2, replica.Claims.LocalFallbackCount);

            await server.RestartAsync();
            await Wait.UntilAsync(() => replica.Redis.IsConnected, "the multiplexer reconnects");
            var back = await replica.Claims.ClaimAsync(agent, "s5", NoneExcluded, Wait.Token());
            Assert.Equal(ClaimStatus.Claimed, back.Status);
            Assert.False(back.Claim!.IsLocal);
            Assert.Equal(2, replica.Claims.LocalFallbackCount);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_error_reply_from_Redis_falls_back_to_local_accounting_and_is_counted()
    {
        // A key of the wrong type answers the claim script with an error, as a replica demoted by a failover answers
        // writes with READONLY: the call must still be claimed, not fail.
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        await replica.Redis.Database.StringSetAsync(ClaimsKey, "not a sorted set");
        var agent = Agent(10, ("a", 1));

        var result = await replica.Claims.ClaimAsync(agent, "s0", NoneExcluded, Wait.Token());

        Assert.Equal(new InstanceClaim(Support, agent.Resource.Instances[0], "s0", IsLocal: true), result.Claim);
        Assert.Equal(1, replica.Claims.LocalFallbackCount);
        Assert.Equal(1, replica.Metrics.RedisErrorCount(RedisOperations.Claims));
        await replica.Claims.ReleaseAsync(result.Claim!);
        Assert.Equal(0, replica.Claims.LocalFallbackCount);
        Assert.Equal(1, replica.Metrics.RedisErrorCount(RedisOperations.Claims));
    }

    [Fact]
    public async Task The_counts_beside_the_claim_set_follow_every_claim_release_and_lapse()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix, lease: TimeSpan.FromSeconds(1));
        var agent = Agent(10, ("a", 2), ("b", 2));
        var s1 = (await replica.Claims.ClaimAsync(agent, "s1", NoneExcluded, Wait.Token())).Claim!;
        await replica.Claims.ClaimAsync(agent, "s2", NoneExcluded, Wait.Token());
        await replica.Claims.ClaimAsync(agent, "s3", NoneExcluded, Wait.Token());

        Assert.Equal(new Dictionary<string, string> { ["a"] = "2", ["b"] = "1" }, await HashAsync(replica, Keys.ClaimCounts(Support)));
        Assert.Equal(new Dictionary<string, string> { ["s1"] = "a|s1", ["s2"] = "b|s2", ["s3"] = "a|s3" }, await HashAsync(replica, Keys.ClaimSessions(Support)));
        Assert.InRange((await replica.Redis.Database.KeyTimeToLiveAsync(Keys.ClaimCounts(Support)))!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));
        Assert.InRange((await replica.Redis.Database.KeyTimeToLiveAsync(Keys.ClaimSessions(Support)))!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2));

        await replica.Claims.ReleaseAsync(s1);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "1" }, await HashAsync(replica, Keys.ClaimCounts(Support)));
        Assert.Equal(new Dictionary<string, string> { ["s2"] = "b|s2", ["s3"] = "a|s3" }, await HashAsync(replica, Keys.ClaimSessions(Support)));

        // Unrenewed (no lease keeper runs here), s2 and s3 lapse: the next claim sweeps them from all three.
        await Task.Delay(TimeSpan.FromMilliseconds(1200));
        Assert.Equal("a", (await replica.Claims.ClaimAsync(agent, "s4", NoneExcluded, Wait.Token())).Claim!.Instance.Id);
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1" }, await HashAsync(replica, Keys.ClaimCounts(Support)));
        Assert.Equal(new Dictionary<string, string> { ["s4"] = "a|s4" }, await HashAsync(replica, Keys.ClaimSessions(Support)));
    }

    [Fact]
    public async Task Counts_that_disagree_with_the_claim_set_are_rebuilt_before_a_claim_trusts_them()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var agent = Agent(10, ("a", 1), ("b", 1));
        await replica.Claims.ReserveAsync(agent, "dialed", new HashSet<string> { "a" }, TimeSpan.FromMinutes(2), Wait.Token());

        // Both hashes lost (evicted, say): the stream's claim must keep its reservation on b, not take a second seat on
        // a (the least loaded, first listed).
        await replica.Redis.Database.KeyDeleteAsync([Keys.ClaimCounts(Support), Keys.ClaimSessions(Support)]);
        var stream = await replica.Claims.ClaimAsync(agent, "dialed", NoneExcluded, Wait.Token());
        Assert.Equal("b", stream.Claim!.Instance.Id);

        // Then a count that is wrong: a is free, whatever the hash says.
        await replica.Redis.Database.HashSetAsync(Keys.ClaimCounts(Support), "a", 1);
        var other = await replica.Claims.ClaimAsync(agent, "other", NoneExcluded, Wait.Token());

        Assert.Equal("a", other.Claim!.Instance.Id);
        Assert.Equal(["a|other", "b|dialed"], (await replica.Redis.Database.SortedSetRangeByRankAsync(ClaimsKey)).Select(m => m.ToString()).Order());
        Assert.Equal(new Dictionary<string, string> { ["a"] = "1", ["b"] = "1" }, await HashAsync(replica, Keys.ClaimCounts(Support)));
        Assert.Equal(ClaimResult.NoFreeInstance, await replica.Claims.ClaimAsync(agent, "third", NoneExcluded, Wait.Token()));
    }

    [Fact]
    public async Task A_reassert_rebuilds_the_counts_from_the_claim_set()
    {
        await using var replica = Replica.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var agent = Agent(10, ("a", 2));
        await replica.Claims.ClaimAsync(agent, "s1", NoneExcluded, Wait.Token());
        await replica.Redis.Database.HashSetAsync(Keys.ClaimSessions(Support), [new("s1", "a|elsewhere"), new("ghost", "a|ghost")]);

        await replica.Claims.ReassertAsync(Wait.Token());

        Assert.Equal(new Dictionary<string, string> { ["a"] = "1" }, await HashAsync(replica, Keys.ClaimCounts(Support)));
        Assert.Equal(new Dictionary<string, string> { ["s1"] = "a|s1" }, await HashAsync(replica, Keys.ClaimSessions(Support)));
    }

    private RedisKeys Keys => new(_prefix);

    private RedisKey ClaimsKey => Keys.Claims(Support);

    private static async Task<Dictionary<string, string>> HashAsync(Replica replica, RedisKey key) =>
        (await replica.Redis.Database.HashGetAllAsync(key)).ToDictionary(entry => entry.Name.ToString(), entry => entry.Value.ToString(), StringComparer.Ordinal);

    private static RegisteredAgent Agent(int maxConcurrentCalls, params (string Id, int Capacity)[] instances) => new(
        Support,
        new AgentResource
        {
            MaxConcurrentCalls = maxConcurrentCalls,
            Instances = [.. instances.Select(i => new AgentInstance { Id = i.Id, Url = new Uri($"ws://127.0.0.1:9/{i.Id}"), Capacity = i.Capacity })],
        },
        1);

    private async Task<Dictionary<string, int>> ClaimsByInstanceAsync(RedisConnection redis)
    {
        var members = await redis.Database.SortedSetRangeByRankAsync(ClaimsKey);
        return members.GroupBy(m => m.ToString().Split('|')[0]).ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>One gateway replica's claims: its own multiplexer.</summary>
    private sealed class Replica : IAsyncDisposable
    {
        private Replica(RedisConnection redis, RedisInstanceClaims claims, GatewayMetrics metrics)
        {
            Redis = redis;
            Claims = claims;
            Metrics = metrics;
        }

        public RedisConnection Redis { get; }

        public RedisInstanceClaims Claims { get; }

        public GatewayMetrics Metrics { get; }

        public static Replica Connect(string connection, string prefix, TimeSpan? lease = null)
        {
            var redis = TestRedis.Connect(connection, prefix);
            var options = lease is { } duration
                ? new LeaseOptions { LeaseDuration = duration, RenewInterval = TimeSpan.FromMilliseconds(200) }
                : new LeaseOptions();
            var metrics = new GatewayMetrics();
            var claims = new RedisInstanceClaims(redis, new RedisKeys(prefix), Options.Create(options), Options.Create(new CallQueueOptions()), metrics, TimeProvider.System, NullLogger<RedisInstanceClaims>.Instance);
            return new Replica(redis, claims, metrics);
        }

        public async ValueTask DisposeAsync() => await Redis.DisposeAsync();
    }
}
