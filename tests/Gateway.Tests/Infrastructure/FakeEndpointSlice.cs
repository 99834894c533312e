using System.Globalization;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// An EndpointSlice as the API server serves it (<c>discovery.k8s.io/v1</c>), labelled for its Service. Its ports are
/// the slice's own, shared by all its endpoints: pods whose ports differ get a slice each, as kube-controller-manager
/// gives them.
/// </summary>
public sealed record FakeEndpointSlice(string Namespace, string Service, string Name, IReadOnlyList<FakeEndpoint> Endpoints, IReadOnlyList<(string Name, int Port)> Ports)
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";

    /// <summary>One pod at 127.0.0.1 on <paramref name="port"/>, named port <paramref name="portName"/>, in a slice of its own.</summary>
    public static FakeEndpointSlice ForPod(
        string @namespace, string service, string pod, int port, bool? ready = true, bool? terminating = null, string portName = "ws") =>
        new(@namespace, service, $"{service}-{pod}", [new FakeEndpoint("127.0.0.1", ready, terminating, pod)], [(portName, port)]);

    public JsonObject ToJson(long resourceVersion)
    {
        var endpoints = new JsonArray();
        foreach (var endpoint in Endpoints)
        {
            endpoints.Add(endpoint.ToJson(Namespace));
        }

        var ports = new JsonArray();
        foreach (var (name, port) in Ports)
        {
            ports.Add(new JsonObject { ["name"] = name, ["port"] = port, ["protocol"] = "TCP" });
        }

        return new JsonObject
        {
            ["kind"] = "EndpointSlice",
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = Name,
                ["namespace"] = Namespace,
                ["resourceVersion"] = resourceVersion.ToString(CultureInfo.InvariantCulture),
                ["labels"] = new JsonObject { [ServiceNameLabel] = Service, ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io" },
            },
            ["addressType"] = "IPv4",
            ["endpoints"] = endpoints,
            ["ports"] = ports,
        };
    }
}

/// <summary>One endpoint of a slice; a null condition is left out of the JSON (the API server omits unknown ones).</summary>
public sealed record FakeEndpoint(string Address, bool? Ready, bool? Terminating, string? Pod)
{
    public JsonObject ToJson(string @namespace)
    {
        var conditions = new JsonObject();
        if (Ready is { } ready)
        {
            conditions["ready"] = ready;
            conditions["serving"] = ready;
        }

        if (Terminating is { } terminating)
        {
            conditions["terminating"] = terminating;
        }

        var json = new JsonObject { ["addresses"] = new JsonArray(Address), ["conditions"] = conditions, ["nodeName"] = "node-1" };
        if (Pod is not null)
        {
            json["targetRef"] = new JsonObject { ["kind"] = "Pod", ["name"] = Pod, ["namespace"] = @namespace, ["uid"] = Guid.NewGuid().ToString() };
        }

        return json;
    }
}
