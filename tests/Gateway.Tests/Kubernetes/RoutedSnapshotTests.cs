using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Kubernetes;

/// <summary>
/// Where discovered instances enter what routing reads: a routed copy of the immutable snapshot, made again only when
/// an agent with a source or its Service's endpoints change.
/// </summary>
public sealed class RoutedSnapshotTests
{
    private static readonly AgentKey Support = new("acme", "support");
    private static readonly AgentKey Sales = new("acme", "sales");

    [Fact]
    public void The_agents_with_a_source_are_indexed_and_the_index_survives_changes_to_other_agents()
    {
        var support = new RegisteredAgent(Support, new AgentResource { Kubernetes = new KubernetesSource("bots", "support-bot", KubernetesPort.FromName("ws")) }, 1);
        var sales = new RegisteredAgent(Sales, new AgentResource(), 2);
        var snapshot = new RegistrySnapshot([support, sales], 2);

        var heartbeat = snapshot.With(Sales, sales with { Revision = 3 }, 3);
        var dropped = heartbeat.With(Support, support with { Resource = new AgentResource(), Revision = 4 }, 4);

        Assert.Equal([Support], snapshot.KubernetesAgents.Keys);
        Assert.Same(snapshot.KubernetesAgents, heartbeat.KubernetesAgents);
        Assert.Empty(dropped.KubernetesAgents);
    }

    [Fact]
    public void A_routed_copy_hands_out_the_routed_agent_by_key_and_by_number_and_leaves_the_stored_one_alone()
    {
        var resource = new AgentResource { PhoneNumbers = ["+15550001000"], Kubernetes = new KubernetesSource("bots", "support-bot", KubernetesPort.FromName("ws")) };
        var stored = new RegistrySnapshot([new RegisteredAgent(Support, resource, 7)], 7);
        Assert.True(stored.TryGet(Support, out var written));
        var pod = new AgentInstance { Id = "pod-a", Url = new Uri("ws://10.0.0.1:8080/ws") };

        var routed = stored.WithRouted([written with { Instances = [pod] }]);

        Assert.True(routed.TryGet(Support, out var agent));
        Assert.Equal([pod], agent.Instances);
        Assert.Equal(1, agent.DiscoveredCount);
        Assert.True(routed.TryGetByPhoneNumber("+15550001000", out var byNumber));
        Assert.Same(agent, byNumber);
        Assert.Equal(7, routed.Revision);
        Assert.Empty(written.Instances);
        Assert.Throws<ArgumentException>(() => stored.WithRouted([new RegisteredAgent(Sales, new AgentResource(), 1)]));
    }

    [Fact]
    public async Task A_gateway_with_access_hands_out_one_routed_snapshot_until_something_changes()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(settings: TwoReplicasWithPodsTest.KubernetesSettings(api));
        await gateway.PutAgentAsync(Support, new AgentResource { Kubernetes = new KubernetesSource("bots", "support-bot", KubernetesPort.FromName("ws")) });
        api.Apply(FakeEndpointSlice.ForPod("bots", "support-bot", "pod-a", 8080));
        await Wait.UntilAsync(() => gateway.Registry.Current.TryGet(Support, out var agent) && agent.Instances.Count == 1, "the pod is routed");

        var once = gateway.Registry.Current;
        var again = gateway.Registry.Current;
        await gateway.PutAgentAsync(Sales, new AgentResource());
        var afterOther = gateway.Registry.Current;

        Assert.Same(once, again);
        Assert.NotSame(once, afterOther);
        Assert.True(afterOther.TryGet(Support, out var support));
        Assert.True(once.TryGet(Support, out var before));

        // Another agent's change reuses the routed agent as it was made: nothing about it was made again.
        Assert.Same(before, support);
    }
}
