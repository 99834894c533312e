using Gateway.Core;
using Gateway.Registry;

namespace Gateway.Tests.Registry;

/// <summary>The snapshot the hot path reads, as changes replace it one agent at a time.</summary>
public sealed class RegistrySnapshotTests
{
    private static readonly AgentKey Support = new("acme", "support");
    private static readonly AgentKey Sales = new("acme", "sales");
    private static readonly AgentKey Desk = new("globex", "desk");

    [Fact]
    public void A_change_replaces_or_removes_one_agent_and_keeps_the_others()
    {
        var snapshot = new RegistrySnapshot([Agent(Support, 1), Agent(Sales, 2)], revision: 2);

        var changed = snapshot.With(Support, Agent(Support, 3, maxConcurrentCalls: 7), 3).With(Sales, null, 4);

        Assert.Equal(4, changed.Revision);
        Assert.Equal(1, changed.Count);
        Assert.True(changed.TryGet(Support, out var support));
        Assert.Equal(7, support.Resource.MaxConcurrentCalls);
        Assert.False(changed.TryGet(Sales, out _));
        Assert.True(snapshot.TryGet(Sales, out _));
        Assert.Equal(50, snapshot.Agents.Single(a => a.Key == Support).Resource.MaxConcurrentCalls);
    }

    [Fact]
    public void A_number_listed_twice_routes_to_the_lower_revision_until_that_agent_lets_it_go()
    {
        var snapshot = new RegistrySnapshot([Agent(Support, 1, "+13125550100"), Agent(Desk, 2, "+13125550100")], revision: 2);
        Assert.True(snapshot.TryGetByPhoneNumber("+13125550100", out var owner));
        Assert.Equal(Support, owner.Key);

        // Support drops the number: Desk, the other claimant, owns it now.
        var dropped = snapshot.With(Support, Agent(Support, 3, "+13125550111"), 3);
        Assert.True(dropped.TryGetByPhoneNumber("+13125550100", out owner));
        Assert.Equal(Desk, owner.Key);
        Assert.True(dropped.TryGetByPhoneNumber("+13125550111", out owner));
        Assert.Equal(Support, owner.Key);

        // Desk removed: nobody owns it; Support takes it back later.
        var removed = dropped.With(Desk, null, 4);
        Assert.False(removed.TryGetByPhoneNumber("+13125550100", out _));
        var retaken = removed.With(Support, Agent(Support, 5, "+13125550100", "+13125550111"), 5);
        Assert.True(retaken.TryGetByPhoneNumber("+13125550100", out owner));
        Assert.Equal(Support, owner.Key);
        Assert.True(retaken.TryGetByPhoneNumber("+13125550111", out owner));
        Assert.Equal(5, owner.Revision);
    }

    [Fact]
    public void A_change_of_one_agent_leaves_the_numbers_of_the_others_alone()
    {
        var snapshot = new RegistrySnapshot([Agent(Support, 1, "+13125550100"), Agent(Sales, 2, "+13125550200")], revision: 2);

        var changed = snapshot.With(Support, Agent(Support, 3), 3);

        Assert.False(changed.TryGetByPhoneNumber("+13125550100", out _));
        Assert.True(changed.TryGetByPhoneNumber("+13125550200", out var owner));
        Assert.Equal(Sales, owner.Key);
    }

    private static RegisteredAgent Agent(AgentKey key, long revision, params string[] numbers) => Agent(key, revision, 50, numbers);

    private static RegisteredAgent Agent(AgentKey key, long revision, int maxConcurrentCalls, params string[] numbers) =>
        new(key, new AgentResource { MaxConcurrentCalls = maxConcurrentCalls, PhoneNumbers = numbers }, revision);
}
