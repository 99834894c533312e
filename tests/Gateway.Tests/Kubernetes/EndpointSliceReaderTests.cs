using Gateway.Kubernetes;
using k8s.Models;

namespace Gateway.Tests.Kubernetes;

/// <summary>Which endpoints of a Service's EndpointSlices are instances: ready and not terminating, each once.</summary>
public sealed class EndpointSliceReaderTests
{
    [Fact]
    public void Ready_or_unstated_endpoints_count_and_not_ready_or_terminating_ones_do_not()
    {
        var slice = Slice("s1", ("ws", 8080),
            Endpoint("10.0.0.1", "pod-ready", ready: true),
            Endpoint("10.0.0.2", "pod-unstated", ready: null),
            Endpoint("10.0.0.3", "pod-not-ready", ready: false),
            Endpoint("10.0.0.4", "pod-terminating", ready: true, terminating: true),
            Endpoint("10.0.0.5", "pod-terminating-not-ready", ready: false, terminating: true),
            Endpoint("10.0.0.6", "pod-not-terminating", ready: true, terminating: false));

        var endpoints = EndpointSliceReader.ReadyEndpoints([slice]);

        Assert.Equal(["pod-not-terminating", "pod-ready", "pod-unstated"], endpoints.Endpoints.Select(e => e.Id));
        Assert.Equal("10.0.0.1", endpoints.Endpoints[1].Address);
        Assert.Equal(8080, endpoints.Endpoints[1].PortNamed("ws"));
        Assert.Null(endpoints.Endpoints[1].PortNamed("http"));
    }

    [Fact]
    public void Slices_are_merged_and_an_address_listed_twice_counts_once()
    {
        var first = Slice("s1", ("ws", 8080), Endpoint("10.0.0.1", "pod-a"), Endpoint("10.0.0.2", null));
        var second = Slice("s2", ("ws", 9090), Endpoint("10.0.0.1", "pod-a"), Endpoint("10.0.0.2", null), Endpoint("10.0.0.3", "pod-c"));

        var endpoints = EndpointSliceReader.ReadyEndpoints([second, first]);

        // Without a pod behind it an endpoint is named by its address; the slice named first wins a duplicate.
        Assert.Equal(["10.0.0.2", "pod-a", "pod-c"], endpoints.Endpoints.Select(e => e.Id));
        Assert.Equal(8080, endpoints.Endpoints[1].PortNamed("ws"));
        Assert.Equal(9090, endpoints.Endpoints[2].PortNamed("ws"));
    }

    [Fact]
    public void A_target_that_is_not_a_pod_names_the_endpoint_by_its_address()
    {
        var endpoint = Endpoint("10.0.0.9", "node-1");
        endpoint.TargetRef.Kind = "Node";

        Assert.Equal("10.0.0.9", Assert.Single(EndpointSliceReader.ReadyEndpoints([Slice("s", ("ws", 1), endpoint)]).Endpoints).Id);
    }

    [Fact]
    public void No_slice_or_no_ready_endpoint_is_none_and_equal_sets_are_the_same()
    {
        Assert.Same(ServiceEndpoints.None, EndpointSliceReader.ReadyEndpoints([]));
        Assert.Same(ServiceEndpoints.None, EndpointSliceReader.ReadyEndpoints([Slice("s", ("ws", 1), Endpoint("10.0.0.1", "a", ready: false))]));

        var one = EndpointSliceReader.ReadyEndpoints([Slice("s", ("ws", 1), Endpoint("10.0.0.1", "a"))]);
        var again = EndpointSliceReader.ReadyEndpoints([Slice("s", ("ws", 1), Endpoint("10.0.0.1", "a"))]);
        var moved = EndpointSliceReader.ReadyEndpoints([Slice("s", ("ws", 2), Endpoint("10.0.0.1", "a"))]);
        Assert.True(one.SameAs(again));
        Assert.False(one.SameAs(moved));
    }

    private static V1EndpointSlice Slice(string name, (string Name, int Port) port, params V1Endpoint[] endpoints) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        AddressType = "IPv4",
        Ports = [new Discoveryv1EndpointPort { Name = port.Name, Port = port.Port, Protocol = "TCP" }],
        Endpoints = endpoints,
    };

    private static V1Endpoint Endpoint(string address, string? pod, bool? ready = true, bool? terminating = null) => new()
    {
        Addresses = [address],
        Conditions = new V1EndpointConditions { Ready = ready, Terminating = terminating },
        TargetRef = pod is null ? null : new V1ObjectReference { Kind = "Pod", Name = pod },
    };
}
