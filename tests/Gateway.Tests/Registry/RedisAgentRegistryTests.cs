using System.Diagnostics;
using System.Text.Json;
using Gateway.Core;
using Gateway.Metrics;
using Gateway.Redis;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Tests.Registry;

/// <summary>
/// The Redis registry as several gateway replicas see it: each replica here is its own multiplexer and registry on
/// one real redis-server, sharing a key prefix no other test uses.
/// </summary>
public sealed class RedisAgentRegistryTests
{
    private static readonly AgentKey Support = new("acme", "support");
    private static readonly AgentKey Sales = new("acme", "sales");
    private static readonly TimeSpan PropagationBound = TimeSpan.FromSeconds(1);

    private readonly string _prefix = TestRedis.UniquePrefix();

    [Fact]
    public async Task Seeding_writes_missing_agents_and_never_overwrites_an_existing_one()
    {
        var connection = await TestRedis.ConnectionStringAsync();
        var original = Agent("bot-original", capacity: 3);
        await using var first = await Replica.StartAsync(connection, _prefix);
        var putRevision = await first.Registry.PutAsync(Support, original);

        var seededSales = Agent("bot-sales", capacity: 2);
        await using var second = await Replica.StartAsync(connection, _prefix, seed: new Dictionary<AgentKey, AgentResource>
        {
            [Support] = Agent("bot-from-seed", capacity: 9),
            [Sales] = seededSales,
        });

        var database = second.Redis.Database;
        var keys = new RedisKeys(_prefix);
        var stored = await ReadStoredAsync(database, keys.Agent(Support));
        Assert.Equal(putRevision, stored.Revision);
        Assert.Equal(Json(original), Json(stored.Resource));
        Assert.True(second.Registry.Current.TryGet(Support, out var support));
        Assert.Equal(Json(original), Json(support.Resource));
        Assert.Equal(putRevision, support.Revision);

        var storedSales = await ReadStoredAsync(database, keys.Agent(Sales));
        Assert.Equal(Json(seededSales), Json(storedSales.Resource));
        Assert.Equal(putRevision + 1, storedSales.Revision);
        Assert.True(second.Registry.Current.TryGet(Sales, out var sales));
        Assert.Equal(Json(seededSales), Json(sales.Resource));
        Assert.Equal(["acme/sales", "acme/support"], (await database.SetMembersAsync(keys.AgentIndex)).Select(m => m.ToString()).Order());

        // The seed announces what it wrote, so replicas already running learn of it without waiting for a resync.
        await Wait.UntilAsync(() => first.Registry.Current.TryGet(Sales, out _), "the first replica sees the seeded agent", PropagationBound);
        Assert.True(first.Registry.Current.TryGet(Support, out var unchanged));
        Assert.Equal(Json(original), Json(unchanged.Resource));
    }

    [Fact]
    public async Task A_seeded_agent_survives_a_restart_with_a_changed_seed()
    {
        var connection = await TestRedis.ConnectionStringAsync();
        var firstSeed = Agent("bot-1", capacity: 1);
        await using (var replica = await Replica.StartAsync(connection, _prefix, seed: new Dictionary<AgentKey, AgentResource> { [Support] = firstSeed }))
        {
            Assert.True(replica.Registry.Current.TryGet(Support, out var seeded));
            Assert.Equal(1, seeded.Revision);
        }

        await using var restarted = await Replica.StartAsync(
            connection, _prefix, seed: new Dictionary<AgentKey, AgentResource> { [Support] = Agent("bot-2", capacity: 5) });

        Assert.True(restarted.Registry.Current.TryGet(Support, out var agent));
        Assert.Equal(Json(firstSeed), Json(agent.Resource));
        Assert.Equal(1, agent.Revision);
        Assert.Equal(1, (long)await restarted.Redis.Database.StringGetAsync(new RedisKeys(_prefix).RegistryRevision));
    }

    [Fact]
    public async Task A_replica_starts_loaded_with_what_redis_holds()
    {
        var connection = await TestRedis.ConnectionStringAsync();
        await using var writer = await Replica.StartAsync(connection, _prefix);
        var resource = Agent("bot-1", capacity: 4);
        var revision = await writer.Registry.PutAsync(Support, resource);

        await using var reader = await Replica.StartAsync(connection, _prefix);

        // StartAsync completes a first load, so the replica is ready the moment the host reports started.
        Assert.True(reader.Registry.Current.IsLoaded);
        Assert.NotNull(reader.Registry.LastSyncedAt);
        Assert.Equal(1, reader.Registry.Current.Count);
        Assert.Equal(revision, reader.Registry.Current.Revision);
        Assert.True(reader.Registry.Current.TryGet(Support, out var agent));
        Assert.Equal(Json(resource), Json(agent.Resource));
    }

    [Fact]
    public async Task A_replica_started_while_redis_is_down_starts_unloaded_and_loads_once_redis_is_up()
    {
        var server = await RedisServer.StartAsync();
        try
        {
            await server.StopAsync();
            var seed = Agent("bot-seed", capacity: 1);

            await using var replica = await Replica.StartAsync(
                server.ConnectionString, _prefix, seed: new Dictionary<AgentKey, AgentResource> { [Support] = seed });

            Assert.False(replica.Registry.Current.IsLoaded);
            Assert.Null(replica.Registry.LastSyncedAt);

            await server.RestartAsync();
            await Wait.UntilAsync(() => replica.Registry.Current.IsLoaded, "the registry loads once Redis is up");
            Assert.True(replica.Registry.Current.TryGet(Support, out var seeded));
            Assert.Equal(Json(seed), Json(seeded.Resource));

            // Its change notices work too: the subscription was made while Redis was away.
            await using var writer = await Replica.StartAsync(server.ConnectionString, _prefix);
            var revision = await writer.Registry.PutAsync(Sales, Agent("bot-2", capacity: 1));
            await Wait.UntilAsync(
                () => replica.Registry.Current.TryGet(Sales, out var sales) && sales.Revision == revision,
                "the replica hears of a later put",
                PropagationBound);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_put_on_one_replica_reaches_another_within_a_second_with_a_higher_revision()
    {
        var connection = await TestRedis.ConnectionStringAsync();
        await using var a = await Replica.StartAsync(connection, _prefix);
        await using var b = await Replica.StartAsync(connection, _prefix);

        var first = Agent("bot-1", capacity: 1);
        var firstElapsed = Stopwatch.StartNew();
        var firstRevision = await a.Registry.PutAsync(Support, first);
        Assert.True(a.Registry.Current.TryGet(Support, out var local));
        Assert.Equal(firstRevision, local.Revision);
        await Wait.UntilAsync(() => b.Registry.Current.TryGet(Support, out var seen) && seen.Revision == firstRevision, "replica B sees the first put");
        firstElapsed.Stop();

        var second = Agent("bot-2", capacity: 7);
        var secondElapsed = Stopwatch.StartNew();
        var secondRevision = await a.Registry.PutAsync(Support, second);
        await Wait.UntilAsync(() => b.Registry.Current.TryGet(Support, out var seen) && seen.Revision == secondRevision, "replica B sees the second put");
        secondElapsed.Stop();

        Assert.True(firstElapsed.Elapsed < PropagationBound, $"the first put took {firstElapsed.Elapsed} to reach replica B");
        Assert.True(secondElapsed.Elapsed < PropagationBound, $"the second put took {secondElapsed.Elapsed} to reach replica B");
        Assert.True(secondRevision > firstRevision, $"revision {secondRevision} follows {firstRevision}");
        Assert.True(b.Registry.Current.TryGet(Support, out var agent));
        Assert.Equal(Json(second), Json(agent.Resource));
        Assert.Equal(secondRevision, b.Registry.Current.Revision);
        Assert.Equal(secondRevision, a.Registry.Current.Revision);
    }

    [Fact]
    public async Task A_delete_on_one_replica_reaches_another_within_a_second()
    {
        var connection = await TestRedis.ConnectionStringAsync();
        await using var a = await Replica.StartAsync(connection, _prefix);
        await using var b = await Replica.StartAsync(connection, _prefix);
        await a.Registry.PutAsync(Support, Agent("bot-1", capacity: 1));
        var salesRevision = await a.Registry.PutAsync(Sales, Agent("bot-2", capacity: 1));
        await Wait.UntilAsync(() => b.Registry.Current.Count == 2, "replica B sees both agents");

        var elapsed = Stopwatch.StartNew();
        Assert.True(await a.Registry.DeleteAsync(Support));
        Assert.False(a.Registry.Current.TryGet(Support, out _));
        await Wait.UntilAsync(() => !b.Registry.Current.TryGet(Support, out _), "replica B drops the deleted agent");
        elapsed.Stop();

        Assert.True(elapsed.Elapsed < PropagationBound, $"the delete took {elapsed.Elapsed} to reach replica B");
        Assert.True(b.Registry.Current.TryGet(Sales, out var sales));
        Assert.Equal(salesRevision, sales.Revision);
        var keys = new RedisKeys(_prefix);
        var database = a.Redis.Database;
        Assert.False(await database.KeyExistsAsync(keys.Agent(Support)));
        Assert.Equal(["acme/sales"], (await database.SetMembersAsync(keys.AgentIndex)).Select(m => m.ToString()));
        Assert.True(a.Registry.Current.Revision > salesRevision);
    }

    [Fact]
    public async Task Concurrent_puts_of_one_agent_leave_every_replica_agreeing_with_redis_within_a_second()
    {
        var connection = await TestRedis.ConnectionStringAsync();
        await using var a = await Replica.StartAsync(connection, _prefix);
        await using var b = await Replica.StartAsync(connection, _prefix);
        var database = a.Redis.Database;
        var key = new RedisKeys(_prefix).Agent(Support);

        for (var round = 0; round < 20; round++)
        {
            var revisions = await Task.WhenAll(
                Task.Run(() => a.Registry.PutAsync(Support, Agent("bot-a", capacity: round + 1))),
                Task.Run(() => b.Registry.PutAsync(Support, Agent("bot-b", capacity: round + 1))));

            var stored = await ReadStoredAsync(database, key);
            Assert.Equal(revisions.Max(), stored.Revision);
            await Wait.UntilAsync(
                () => Agrees(a.Registry, stored) && Agrees(b.Registry, stored),
                $"both replicas hold what Redis holds after round {round}",
                PropagationBound);
        }

        static bool Agrees(RedisAgentRegistry registry, StoredAgent stored) =>
            registry.Current.TryGet(Support, out var agent) && agent.Revision == stored.Revision && Json(agent.Resource) == Json(stored.Resource);
    }

    [Fact]
    public async Task Deleting_an_unknown_agent_reports_false()
    {
        await using var a = await Replica.StartAsync(await TestRedis.ConnectionStringAsync(), _prefix);

        Assert.False(await a.Registry.DeleteAsync(Support));
        Assert.Equal(0, a.Registry.Current.Count);
    }

    [Fact]
    public async Task A_change_written_behind_the_registrys_back_appears_after_a_resync()
    {
        var connection = await TestRedis.ConnectionStringAsync();
        await using var replica = await Replica.StartAsync(connection, _prefix, resync: TimeSpan.FromSeconds(1));
        var keys = new RedisKeys(_prefix);
        var database = replica.Redis.Database;
        var resource = Agent("bot-behind", capacity: 6);

        // No notice is published: only the periodic full reload can find this agent.
        await database.StringSetAsync(keys.Agent(Support), JsonSerializer.SerializeToUtf8Bytes(new StoredAgent(42, resource), RegistryJsonContext.Default.StoredAgent));
        await database.SetAddAsync(keys.AgentIndex, Support.ToString());

        await Wait.UntilAsync(() => replica.Registry.Current.TryGet(Support, out _), "the resync loads the agent", TimeSpan.FromSeconds(3));
        Assert.True(replica.Registry.Current.TryGet(Support, out var agent));
        Assert.Equal(42, agent.Revision);
        Assert.Equal(Json(resource), Json(agent.Resource));

        await database.KeyDeleteAsync(keys.Agent(Support));
        await database.SetRemoveAsync(keys.AgentIndex, Support.ToString());

        await Wait.UntilAsync(() => !replica.Registry.Current.TryGet(Support, out _), "the resync drops the agent", TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task An_invalid_agent_in_redis_is_ignored_while_valid_ones_load()
    {
        var connection = await TestRedis.ConnectionStringAsync();
        var keys = new RedisKeys(_prefix);
        await using var writer = await Replica.StartAsync(connection, _prefix);
        await writer.Registry.PutAsync(Sales, Agent("bot-1", capacity: 1));
        var database = writer.Redis.Database;
        await database.StringSetAsync(keys.Agent(Support), "{\"revision\":9,\"resource\":{\"maxConcurrentCalls\":0}}");
        await database.SetAddAsync(keys.AgentIndex, [Support.ToString(), "not a key"]);

        await using var reader = await Replica.StartAsync(connection, _prefix);

        Assert.True(reader.Registry.Current.IsLoaded);
        Assert.Equal(1, reader.Registry.Current.Count);
        Assert.True(reader.Registry.Current.TryGet(Sales, out _));
        Assert.False(reader.Registry.Current.TryGet(Support, out _));
    }

    [Fact]
    public async Task While_redis_is_down_the_last_snapshot_serves_and_writes_fail_then_the_registry_recovers()
    {
        var server = await RedisServer.StartAsync();
        try
        {
            await using var replica = await Replica.StartAsync(server.ConnectionString, _prefix, resync: TimeSpan.FromSeconds(1));
            var before = Agent("bot-before", capacity: 2);
            var revision = await replica.Registry.PutAsync(Support, before);

            await server.StopAsync();
            await Wait.UntilAsync(() => !replica.Redis.IsConnected, "the multiplexer notices Redis is gone");

            await Assert.ThrowsAnyAsync<RedisException>(() => replica.Registry.PutAsync(Support, Agent("bot-during", capacity: 1)));
            await Wait.UntilAsync(() => replica.Registry.LastSyncedAt is null, "a failed resync marks the registry out of sync", TimeSpan.FromSeconds(3));
            Assert.True(replica.Registry.Current.IsLoaded);
            Assert.True(replica.Registry.Current.TryGet(Support, out var served));
            Assert.Equal(Json(before), Json(served.Resource));
            Assert.Equal(revision, served.Revision);

            await server.RestartAsync();
            await Wait.UntilAsync(() => replica.Redis.IsConnected, "the multiplexer reconnects");
            var after = Agent("bot-after", capacity: 5);
            var newRevision = await replica.Registry.PutAsync(Support, after);

            await Wait.UntilAsync(
                () => replica.Registry.Current.TryGet(Support, out var agent) && Json(agent.Resource) == Json(after),
                "the registry holds the agent put after the outage",
                TimeSpan.FromSeconds(3));
            await Wait.UntilAsync(() => replica.Registry.LastSyncedAt is not null, "the registry is in sync again", TimeSpan.FromSeconds(3));
            var stored = await ReadStoredAsync(replica.Redis.Database, new RedisKeys(_prefix).Agent(Support));
            Assert.Equal(newRevision, stored.Revision);
            Assert.Equal(Json(after), Json(stored.Resource));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_redis_that_restarts_empty_is_seeded_again_on_reconnection()
    {
        var server = await RedisServer.StartAsync();
        try
        {
            var seeded = Agent("bot-seed", capacity: 3);
            await using var replica = await Replica.StartAsync(server.ConnectionString, _prefix, new Dictionary<AgentKey, AgentResource> { [Support] = seeded });

            await server.StopAsync();
            await server.RestartAsync();

            var key = new RedisKeys(_prefix).Agent(Support);
            await Wait.UntilAsync(
                async () =>
                {
                    try
                    {
                        return await replica.Redis.Database.KeyExistsAsync(key);
                    }
                    catch (RedisConnectionException)
                    {
                        return false; // not reconnected yet
                    }
                },
                "the seed agent is written again");
            Assert.Equal(Json(seeded), Json((await ReadStoredAsync(replica.Redis.Database, key)).Resource));
            await Wait.UntilAsync(() => replica.Registry.Current.TryGet(Support, out _) && replica.Registry.LastSyncedAt is not null, "the registry is in sync again");
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static AgentResource Agent(string instanceId, int capacity) => new()
    {
        MaxConcurrentCalls = 10,
        BodyMaxBytes = 2048,
        Instances = [new AgentInstance { Id = instanceId, Url = new Uri($"ws://127.0.0.1:9/{instanceId}"), Capacity = capacity }],
    };

    private static string Json(AgentResource resource) => JsonSerializer.Serialize(resource, RegistryJsonContext.Default.AgentResource);

    private static async Task<StoredAgent> ReadStoredAsync(IDatabase database, RedisKey key)
    {
        var json = await database.StringGetAsync(key);
        Assert.False(json.IsNull, $"{key} is in Redis");
        return JsonSerializer.Deserialize((byte[])json!, RegistryJsonContext.Default.StoredAgent)!;
    }

    private static RedisAgentRegistry NewRegistry(
        RedisConnection redis, string prefix, IReadOnlyDictionary<AgentKey, AgentResource>? seed = null, TimeSpan? resync = null) =>
        new(
            redis,
            new DurableWrites(redis, Options.Create(new RedisOptions { KeyPrefix = prefix })),
            new RedisKeys(prefix),
            Options.Create(new RegistryOptions
            {
                ResyncInterval = resync ?? TimeSpan.FromSeconds(30),
                RetryInterval = TimeSpan.FromMilliseconds(200),
            }),
            new RegistrySeedSource(seed ?? new Dictionary<AgentKey, AgentResource>()),
            TimeProvider.System,
            new GatewayMetrics(),
            NullLogger<RedisAgentRegistry>.Instance);

    /// <summary>One gateway replica's share of the registry: its own multiplexer and a started registry.</summary>
    private sealed class Replica : IAsyncDisposable
    {
        private Replica(RedisConnection redis, RedisAgentRegistry registry)
        {
            Redis = redis;
            Registry = registry;
        }

        public RedisConnection Redis { get; }

        public RedisAgentRegistry Registry { get; }

        public static async Task<Replica> StartAsync(
            string connection, string prefix, IReadOnlyDictionary<AgentKey, AgentResource>? seed = null, TimeSpan? resync = null)
        {
            var redis = TestRedis.Connect(connection, prefix);
            var registry = NewRegistry(redis, prefix, seed, resync);
            await registry.StartAsync(CancellationToken.None);
            return new Replica(redis, registry);
        }

        public async ValueTask DisposeAsync()
        {
            await Registry.StopAsync(CancellationToken.None);
            Registry.Dispose();
            await Redis.DisposeAsync();
        }
    }
}
