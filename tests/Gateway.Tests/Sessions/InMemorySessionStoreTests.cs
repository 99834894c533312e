using Gateway.Sessions;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Sessions;

/// <summary>Session records of a gateway with no Redis: kept in this process for as long as their call.</summary>
public sealed class InMemorySessionStoreTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 14, 15, 9, 26, 535, TimeSpan.FromHours(2));

    private readonly InMemorySessionStore _store = new();

    [Fact]
    public async Task A_record_round_trips_with_every_field()
    {
        var session = TestSessions.Sample("s-1", "acme", T0);

        await _store.AddAsync(session);
        var loaded = await _store.GetAsync("s-1");

        Assert.Equal(session, loaded);
        Assert.Equal(TimeSpan.FromHours(2), loaded!.Started.Offset);
    }

    [Fact]
    public async Task An_unknown_session_is_not_found()
    {
        Assert.Null(await _store.GetAsync("nobody"));
        Assert.Empty(await _store.ListAsync("acme"));
    }

    [Fact]
    public async Task Listing_returns_only_that_organizations_sessions_ordered_by_start()
    {
        var late = TestSessions.Sample("s-late", "acme", T0.AddSeconds(2));
        var early = TestSessions.Sample("s-early", "acme", T0);
        var middle = TestSessions.Sample("s-middle", "acme", T0.AddSeconds(1));
        var other = TestSessions.Sample("s-other", "globex", T0.AddSeconds(-5));
        var otherCase = TestSessions.Sample("s-case", "Acme", T0.AddSeconds(-4));
        foreach (var session in new[] { late, early, other, otherCase, middle })
        {
            await _store.AddAsync(session);
        }

        Assert.Equal([early, middle, late], await _store.ListAsync("acme"));
        Assert.Equal([other], await _store.ListAsync("globex"));
        Assert.Empty(await _store.ListAsync("initech"));
    }

    [Fact]
    public async Task Starts_in_different_offsets_are_ordered_by_instant()
    {
        // 12:00+02:00 is 10:00 UTC, before 11:00+00:00 although its clock reading is later.
        var first = TestSessions.Sample("s-first", "acme", new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.FromHours(2)));
        var second = TestSessions.Sample("s-second", "acme", new DateTimeOffset(2025, 1, 1, 11, 0, 0, TimeSpan.Zero));
        await _store.AddAsync(second);
        await _store.AddAsync(first);

        Assert.Equal([first, second], await _store.ListAsync("acme"));
    }

    [Fact]
    public async Task Removing_a_record_drops_it_from_get_and_list()
    {
        var kept = TestSessions.Sample("s-kept", "acme", T0);
        var removed = TestSessions.Sample("s-removed", "acme", T0.AddSeconds(1));
        await _store.AddAsync(kept);
        await _store.AddAsync(removed);

        await _store.RemoveAsync(removed);
        await _store.RemoveAsync(removed);

        Assert.Null(await _store.GetAsync("s-removed"));
        Assert.Equal([kept], await _store.ListAsync("acme"));
    }

    [Fact]
    public async Task Adding_a_session_again_replaces_its_record()
    {
        await _store.AddAsync(TestSessions.Sample("s-1", "acme", T0));
        var replacement = TestSessions.Sample("s-1", "acme", T0) with { InstanceId = "bot-2", RegistryRevision = 18 };

        await _store.AddAsync(replacement);

        Assert.Equal(replacement, await _store.GetAsync("s-1"));
        Assert.Equal([replacement], await _store.ListAsync("acme"));
    }

    [Fact]
    public async Task Records_have_no_lease_so_renewing_changes_nothing()
    {
        var session = TestSessions.Sample("s-1", "acme", T0);
        await _store.AddAsync(session);

        await _store.ReassertAsync(CancellationToken.None);

        Assert.Equal(session, await _store.GetAsync("s-1"));
        Assert.Null(await _store.GetAsync("s-unknown"));
        Assert.Equal([session], await _store.ListAsync("acme"));
    }
}
