using Gateway.Kubernetes;
using Gateway.Registry;

namespace Gateway.Tests.Kubernetes;

/// <summary>How an agent's source and its Service's endpoints make the instances routing offers.</summary>
public sealed class DiscoveredInstancesTests
{
    private static readonly ServiceEndpoints Endpoints = new(
    [
        new DiscoveredEndpoint("pod-a", "10.1.0.4", [("ws", 8080), ("metrics", 9090)]),
        new DiscoveredEndpoint("pod-b", "fd00::7", [("ws", 8081)]),
        new DiscoveredEndpoint("pod-c", "10.1.0.6", [("http", 80)]),
    ]);

    [Fact]
    public void A_named_port_is_looked_up_per_endpoint_and_an_endpoint_without_it_is_left_out()
    {
        var resource = new AgentResource { Kubernetes = new KubernetesSource("bots", "support-bot", KubernetesPort.FromName("ws"), capacity: 4) };

        var instances = DiscoveredInstances.Merge(resource, Endpoints);

        Assert.Equal(["pod-a", "pod-b"], instances.Select(i => i.Id));
        Assert.Equal(new Uri("ws://10.1.0.4:8080/ws"), instances[0].Url);
        Assert.Equal(new Uri("ws://[fd00::7]:8081/ws"), instances[1].Url);
        Assert.All(instances, i => Assert.Equal(4, i.Capacity));
        Assert.All(instances, i => Assert.Null(i.ExpiresAt));
    }

    [Fact]
    public void A_numbered_port_scheme_and_path_apply_to_every_endpoint_after_the_static_instances()
    {
        var resource = new AgentResource
        {
            Instances = [new AgentInstance { Id = "pod-b", Url = new Uri("ws://fixed.example:1/ws") }, new AgentInstance { Id = "fixed", Url = new Uri("ws://fixed.example:2/ws") }],
            Kubernetes = new KubernetesSource("bots", "support-bot", KubernetesPort.FromNumber(7000), path: "/bot?lang=en", scheme: "wss"),
        };

        var instances = DiscoveredInstances.Merge(resource, Endpoints);

        // A static instance keeps its id: the pod of the same name is left out (claims name instances by id).
        Assert.Equal(["pod-b", "fixed", "pod-a", "pod-c"], instances.Select(i => i.Id));
        Assert.Equal(new Uri("ws://fixed.example:1/ws"), instances[0].Url);
        Assert.Equal(new Uri("wss://10.1.0.4:7000/bot?lang=en"), instances[2].Url);
        Assert.Equal(new Uri("wss://10.1.0.6:7000/bot?lang=en"), instances[3].Url);
    }

    [Fact]
    public void Without_endpoints_or_a_source_the_static_instances_are_the_instances()
    {
        var resource = new AgentResource { Instances = [new AgentInstance { Id = "fixed", Url = new Uri("ws://fixed.example/ws") }] };

        Assert.Same(resource.Instances, DiscoveredInstances.Merge(resource, Endpoints));
        Assert.Same(resource.Instances, DiscoveredInstances.Merge(resource with { Kubernetes = new KubernetesSource("bots", "b", KubernetesPort.FromNumber(1)) }, ServiceEndpoints.None));
    }
}
