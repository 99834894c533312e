using Gateway.Core;
using Gateway.Metrics;
using Gateway.Redis;
using Gateway.Sessions;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Tests.Sessions;

/// <summary>Session records in a real Redis: written per call, listed per organization, expiring with their lease.</summary>
public sealed class RedisSessionStoreTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.FromHours(2));

    private readonly string _prefix = TestRedis.UniquePrefix();
    private readonly List<RedisConnection> _connections = [];

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_record_round_trips_with_every_field()
    {
        var (store, _) = await ConnectAsync();
        var session = TestSessions.Sample("s-1", "acme", T0.AddTicks(1234567));

        await store.AddAsync(session);
        var loaded = await store.GetAsync("s-1");

        Assert.Equal(session, loaded);
        Assert.Equal(TimeSpan.FromHours(2), loaded!.Started.Offset);
        Assert.Equal(session.Started.Ticks, loaded.Started.Ticks);
    }

    [Fact]
    public async Task A_record_without_the_optional_call_fields_round_trips()
    {
        var (store, _) = await ConnectAsync();
        var session = TestSessions.Sample("s-1", "acme", T0) with { CallControlId = null, CallSessionId = null, StreamId = null, From = null, To = null };

        await store.AddAsync(session);

        Assert.Equal(session, await store.GetAsync("s-1"));
    }

    [Fact]
    public async Task An_unknown_session_is_not_found()
    {
        var (store, _) = await ConnectAsync();

        Assert.Null(await store.GetAsync("nobody"));
        Assert.Empty(await store.ListAsync("acme"));
    }

    [Fact]
    public async Task Listing_returns_only_that_organizations_sessions_ordered_by_start()
    {
        var (store, _) = await ConnectAsync();
        var late = TestSessions.Sample("s-late", "acme", T0.AddSeconds(2));
        var early = TestSessions.Sample("s-early", "acme", T0);
        var middle = TestSessions.Sample("s-middle", "acme", T0.AddSeconds(1));
        var other = TestSessions.Sample("s-other", "globex", T0.AddSeconds(-5));
        foreach (var session in new[] { late, early, other, middle })
        {
            await store.AddAsync(session);
        }

        Assert.Equal([early, middle, late], await store.ListAsync("acme"));
        Assert.Equal([other], await store.ListAsync("globex"));
        Assert.Empty(await store.ListAsync("initech"));
    }

    [Fact]
    public async Task A_replica_sees_the_records_another_replica_wrote()
    {
        var (writer, _) = await ConnectAsync();
        var (reader, _) = await ConnectAsync();
        var session = TestSessions.Sample("s-1", "acme", T0);

        await writer.AddAsync(session);

        Assert.Equal(session, await reader.GetAsync("s-1"));
        Assert.Equal([session], await reader.ListAsync("acme"));
    }

    [Fact]
    public async Task Removing_a_record_drops_it_from_get_list_and_the_index()
    {
        var (store, redis) = await ConnectAsync();
        var kept = TestSessions.Sample("s-kept", "acme", T0);
        var removed = TestSessions.Sample("s-removed", "acme", T0.AddSeconds(1));
        await store.AddAsync(kept);
        await store.AddAsync(removed);

        await store.RemoveAsync(removed);

        Assert.Null(await store.GetAsync("s-removed"));
        Assert.Equal([kept], await store.ListAsync("acme"));
        Assert.Null(await redis.Database.SortedSetScoreAsync(Keys.OrgSessions("acme"), "s-removed"));
    }

    [Fact]
    public async Task An_index_entry_whose_record_is_gone_is_skipped()
    {
        var (store, redis) = await ConnectAsync();
        var session = TestSessions.Sample("s-1", "acme", T0);
        await store.AddAsync(session);
        await store.AddAsync(TestSessions.Sample("s-2", "acme", T0.AddSeconds(1)));

        await redis.Database.KeyDeleteAsync(Keys.Session("s-2"));

        Assert.Equal([session], await store.ListAsync("acme"));
    }

    [Fact]
    public async Task Without_renewal_a_record_expires_with_its_lease_and_leaves_the_listing()
    {
        var (store, redis) = await ConnectAsync(lease: TimeSpan.FromSeconds(1));
        var session = TestSessions.Sample("s-1", "acme", T0);
        await store.AddAsync(session);

        var database = redis.Database;
        Assert.InRange((await database.KeyTimeToLiveAsync(Keys.Session("s-1")))!.Value, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1));
        Assert.InRange((await database.KeyTimeToLiveAsync(Keys.OrgSessions("acme")))!.Value, TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(2));
        Assert.Equal([session], await store.ListAsync("acme"));

        await Task.Delay(TimeSpan.FromMilliseconds(1200));

        Assert.Null(await store.GetAsync("s-1"));
        Assert.Empty(await store.ListAsync("acme"));
    }

    [Fact]
    public async Task Renewing_keeps_a_record_past_its_original_lease()
    {
        // A 2 s lease renewed every 300 ms: a renewal may run up to 1.7 s late on a busy machine and still hold.
        // The abandoned record's replica died: it never re-asserts again.
        var (store, redis) = await ConnectAsync(lease: TimeSpan.FromSeconds(2));
        var (dead, _) = await ConnectAsync(lease: TimeSpan.FromSeconds(2));
        var renewed = TestSessions.Sample("s-renewed", "acme", T0);
        var abandoned = TestSessions.Sample("s-abandoned", "acme", T0.AddSeconds(1));
        await store.AddAsync(renewed);
        await dead.AddAsync(abandoned);

        var written = DateTime.UtcNow;
        while (DateTime.UtcNow - written < TimeSpan.FromSeconds(2.6))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            await store.ReassertAsync(Wait.Token());
        }

        // More than 2.6 s after the records were written: the unrenewed one has lapsed.
        Assert.Equal(renewed, await store.GetAsync("s-renewed"));
        Assert.Null(await store.GetAsync("s-abandoned"));
        Assert.Equal([renewed], await store.ListAsync("acme"));
        Assert.Equal(["s-renewed"], (await redis.Database.SortedSetRangeByRankAsync(Keys.OrgSessions("acme"))).Select(m => m.ToString()));
    }

    [Fact]
    public async Task Renewing_a_removed_record_does_not_bring_it_back()
    {
        var (store, redis) = await ConnectAsync();
        var session = TestSessions.Sample("s-1", "acme", T0);
        await store.AddAsync(session);
        await store.RemoveAsync(session);

        await store.ReassertAsync(Wait.Token());

        Assert.Null(await store.GetAsync("s-1"));
        Assert.Empty(await store.ListAsync("acme"));
        Assert.Equal(0, await redis.Database.SortedSetLengthAsync(Keys.OrgSessions("acme")));
    }

    [Fact]
    public async Task Writes_while_redis_is_down_do_not_throw()
    {
        var server = await RedisServer.StartAsync();
        try
        {
            var (store, redis) = await ConnectAsync(server.ConnectionString);
            var session = TestSessions.Sample("s-1", "acme", T0);
            await store.AddAsync(session);

            await server.StopAsync();
            await Wait.UntilAsync(() => !redis.IsConnected, "the multiplexer notices Redis is gone");

            await store.AddAsync(TestSessions.Sample("s-2", "acme", T0));
            await store.RemoveAsync(session);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private RedisKeys Keys => new(_prefix);

    private async Task<(RedisSessionStore Store, RedisConnection Redis)> ConnectAsync(string? connection = null, TimeSpan? lease = null)
    {
        var redis = TestRedis.Connect(connection ?? await TestRedis.ConnectionStringAsync(), _prefix);
        _connections.Add(redis);
        var options = new LeaseOptions { LeaseDuration = lease ?? TimeSpan.FromSeconds(30), RenewInterval = (lease ?? TimeSpan.FromSeconds(30)) / 5 };
        var store = new RedisSessionStore(redis, Keys, Options.Create(options), TimeProvider.System, new GatewayMetrics(), NullLogger<RedisSessionStore>.Instance);
        return (store, redis);
    }
}
