using Gateway.Claims;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Claims;

/// <summary>In-process claims: the same selection rules as the Redis script, counted in this process only.</summary>
public sealed class LocalInstanceClaimsTests
{
    private static readonly AgentKey Support = new("acme", "support");
    private static readonly IReadOnlySet<string> NoneExcluded = new HashSet<string>();

    private readonly ShiftedTimeProvider _time = new();
    private readonly LocalInstanceClaims _claims;

    public LocalInstanceClaimsTests() => _claims = new LocalInstanceClaims(_time);

    [Fact]
    public async Task A_reservation_holds_its_instance_until_the_same_session_claims_it()
    {
        var agent = Agent(10, ("a", 1), ("b", 1));

        var reserved = await _claims.ReserveAsync(agent, "dialed", NoneExcluded, TimeSpan.FromMinutes(2), CancellationToken.None);
        var inbound = await _claims.ClaimAsync(agent, "inbound", NoneExcluded, CancellationToken.None);
        var full = await _claims.ClaimAsync(agent, "another", NoneExcluded, CancellationToken.None);
        var stream = await _claims.ClaimAsync(agent, "dialed", NoneExcluded, CancellationToken.None);

        Assert.Equal("a", reserved.Claim!.Instance.Id);
        Assert.Equal("b", inbound.Claim!.Instance.Id);
        Assert.Equal(ClaimResult.NoFreeInstance, full);
        Assert.Equal("a", stream.Claim!.Instance.Id);
        Assert.Equal(2, _claims.Count);

        // Claimed by its stream, it no longer lapses: it lives as long as the call.
        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(ClaimResult.NoFreeInstance, await _claims.ClaimAsync(agent, "another", NoneExcluded, CancellationToken.None));
        Assert.Equal(2, _claims.Count);
    }

    [Fact]
    public async Task An_unclaimed_reservation_lapses_after_its_hold_and_a_released_one_at_once()
    {
        var agent = Agent(1, ("a", 1));
        await _claims.ReserveAsync(agent, "dialed", NoneExcluded, TimeSpan.FromMinutes(2), CancellationToken.None);

        Assert.Equal(ClaimResult.AgentAtLimit, await _claims.ClaimAsync(agent, "inbound", NoneExcluded, CancellationToken.None));
        _time.Advance(TimeSpan.FromMinutes(2));
        var inbound = await _claims.ClaimAsync(agent, "inbound", NoneExcluded, CancellationToken.None);
        Assert.Equal(ClaimStatus.Claimed, inbound.Status);
        await _claims.ReleaseAsync(inbound.Claim!);

        var again = await _claims.ReserveAsync(agent, "dialed-2", NoneExcluded, TimeSpan.FromMinutes(2), CancellationToken.None);
        await _claims.ReleaseAsync(again.Claim!);
        Assert.Equal(0, _claims.Count);
        _time.Advance(TimeSpan.FromMinutes(3));
        Assert.Equal(0, _claims.Count);
    }

    [Fact]
    public async Task Each_claim_takes_the_least_loaded_instance_relative_to_its_capacity()
    {
        var agent = Agent(100, ("a", 1), ("b", 3), ("c", 2));

        var picks = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var result = await _claims.ClaimAsync(agent, $"s{i}", NoneExcluded, CancellationToken.None);
            Assert.Equal(ClaimStatus.Claimed, result.Status);
            picks.Add(result.Claim!.Instance.Id);
        }

        // The same order the Redis script gives: ties go to the first listed instance.
        Assert.Equal(["a", "b", "c", "b", "c", "b"], picks);
        Assert.Equal(ClaimResult.NoFreeInstance, await _claims.ClaimAsync(agent, "s6", NoneExcluded, CancellationToken.None));
        Assert.Equal(6, _claims.Count);
    }

    [Fact]
    public async Task A_claim_is_local_and_carries_the_agent_instance_and_session()
    {
        var agent = Agent(10, ("bot-1", 1));

        var result = await _claims.ClaimAsync(agent, "session-1", NoneExcluded, CancellationToken.None);

        Assert.Equal(new ClaimResult(ClaimStatus.Claimed, new InstanceClaim(Support, agent.Resource.Instances[0], "session-1", IsLocal: true)), result);
    }

    [Fact]
    public async Task Concurrent_claims_never_exceed_any_instance_capacity()
    {
        var agent = Agent(100, ("a", 2), ("b", 2), ("c", 2));

        var results = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(i => Task.Run(async () => await _claims.ClaimAsync(agent, $"s{i}", NoneExcluded, CancellationToken.None))));

        Assert.Equal(6, results.Count(r => r.Status == ClaimStatus.Claimed));
        Assert.Equal(14, results.Count(r => r.Status == ClaimStatus.NoFreeInstance));
        Assert.Equal(
            new Dictionary<string, int> { ["a"] = 2, ["b"] = 2, ["c"] = 2 },
            results.Where(r => r.Claim is not null).GroupBy(r => r.Claim!.Instance.Id).ToDictionary(g => g.Key, g => g.Count()));
        Assert.Equal(6, _claims.Count);
    }

    [Fact]
    public async Task The_agent_limit_is_enforced_before_instance_capacity()
    {
        var agent = Agent(2, ("a", 5));
        await _claims.ClaimAsync(agent, "s1", NoneExcluded, CancellationToken.None);
        await _claims.ClaimAsync(agent, "s2", NoneExcluded, CancellationToken.None);

        Assert.Equal(ClaimResult.AgentAtLimit, await _claims.ClaimAsync(agent, "s3", NoneExcluded, CancellationToken.None));

        var full = Agent(2, ("a", 2)) with { Key = new AgentKey("acme", "sales") };
        await _claims.ClaimAsync(full, "s4", NoneExcluded, CancellationToken.None);
        await _claims.ClaimAsync(full, "s5", NoneExcluded, CancellationToken.None);
        Assert.Equal(ClaimResult.AgentAtLimit, await _claims.ClaimAsync(full, "s6", NoneExcluded, CancellationToken.None));
    }

    [Fact]
    public async Task Excluded_instances_are_skipped_even_when_least_loaded()
    {
        var agent = Agent(10, ("a", 1), ("b", 1), ("c", 1));

        Assert.Equal("b", (await _claims.ClaimAsync(agent, "s1", new HashSet<string> { "a" }, CancellationToken.None)).Claim!.Instance.Id);
        Assert.Equal(ClaimResult.NoFreeInstance, await _claims.ClaimAsync(agent, "s2", new HashSet<string> { "a", "c" }, CancellationToken.None));
        Assert.Equal(ClaimResult.NoFreeInstance, await _claims.ClaimAsync(agent, "s3", new HashSet<string> { "a", "b", "c" }, CancellationToken.None));
        Assert.Equal("a", (await _claims.ClaimAsync(agent, "s4", new HashSet<string> { "c" }, CancellationToken.None)).Claim!.Instance.Id);
    }

    [Fact]
    public async Task Claims_on_excluded_instances_still_count_toward_the_agent_limit()
    {
        var agent = Agent(1, ("a", 5), ("b", 5));
        await _claims.ClaimAsync(agent, "s1", NoneExcluded, CancellationToken.None);

        Assert.Equal(ClaimResult.AgentAtLimit, await _claims.ClaimAsync(agent, "s2", new HashSet<string> { "a" }, CancellationToken.None));
    }

    [Fact]
    public async Task Releasing_a_claim_frees_its_seat()
    {
        var agent = Agent(10, ("a", 1), ("b", 1));
        var first = (await _claims.ClaimAsync(agent, "s1", NoneExcluded, CancellationToken.None)).Claim!;
        await _claims.ClaimAsync(agent, "s2", NoneExcluded, CancellationToken.None);
        Assert.Equal(ClaimResult.NoFreeInstance, await _claims.ClaimAsync(agent, "s3", NoneExcluded, CancellationToken.None));

        await _claims.ReleaseAsync(first);

        Assert.Equal(1, _claims.Count);
        Assert.Equal("a", (await _claims.ClaimAsync(agent, "s4", NoneExcluded, CancellationToken.None)).Claim!.Instance.Id);
        Assert.Equal(2, _claims.Count);
    }

    [Fact]
    public async Task Releasing_more_than_was_claimed_never_creates_free_seats()
    {
        var agent = Agent(10, ("a", 1));
        var claim = (await _claims.ClaimAsync(agent, "s1", NoneExcluded, CancellationToken.None)).Claim!;
        await _claims.ReleaseAsync(claim);
        await _claims.ReleaseAsync(claim);
        await _claims.ReleaseAsync(claim with { Agent = new AgentKey("acme", "never-claimed") });

        Assert.Equal(0, _claims.Count);
        Assert.Equal(ClaimStatus.Claimed, (await _claims.ClaimAsync(agent, "s2", NoneExcluded, CancellationToken.None)).Status);
        Assert.Equal(ClaimResult.NoFreeInstance, await _claims.ClaimAsync(agent, "s3", NoneExcluded, CancellationToken.None));
    }

    [Fact]
    public async Task Agents_are_counted_apart()
    {
        var support = Agent(1, ("a", 1));
        var sales = support with { Key = new AgentKey("acme", "sales") };

        Assert.Equal(ClaimStatus.Claimed, (await _claims.ClaimAsync(support, "s1", NoneExcluded, CancellationToken.None)).Status);
        Assert.Equal(ClaimStatus.Claimed, (await _claims.ClaimAsync(sales, "s2", NoneExcluded, CancellationToken.None)).Status);
        Assert.Equal(2, _claims.Count);
    }

    [Fact]
    public async Task Renewing_changes_nothing_because_local_claims_live_as_long_as_their_call()
    {
        var agent = Agent(10, ("a", 1));
        var claim = (await _claims.ClaimAsync(agent, "s1", NoneExcluded, CancellationToken.None)).Claim!;

        await _claims.ReassertAsync(CancellationToken.None);
        Assert.False(_claims.IsUnsettled);

        Assert.Equal(1, _claims.Count);
        Assert.Equal(ClaimResult.NoFreeInstance, await _claims.ClaimAsync(agent, "s2", NoneExcluded, CancellationToken.None));
    }

    private static RegisteredAgent Agent(int maxConcurrentCalls, params (string Id, int Capacity)[] instances) => new(
        Support,
        new AgentResource
        {
            MaxConcurrentCalls = maxConcurrentCalls,
            Instances = [.. instances.Select(i => new AgentInstance { Id = i.Id, Url = new Uri($"ws://127.0.0.1:9/{i.Id}"), Capacity = i.Capacity })],
        },
        1);
}
