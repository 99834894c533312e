using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Gateway.Registry;

namespace Gateway.Kubernetes;

/// <summary>An agent's instances as routing offers them: its static ones, then its Service's ready endpoints.</summary>
public static class DiscoveredInstances
{
    /// <summary>
    /// The resource's instances followed by one instance per ready endpoint, at <c>{scheme}://{address}:{port}{path}</c>
    /// with the source's capacity. An endpoint whose slice lacks the named port is left out (it cannot be dialled),
    /// and so is one whose id a static instance already uses: claims name instances by id.
    /// </summary>
    public static IReadOnlyList<AgentInstance> Merge(AgentResource resource, ServiceEndpoints endpoints)
    {
        ArgumentNullException.ThrowIfNull(resource);
        ArgumentNullException.ThrowIfNull(endpoints);
        if (resource.Kubernetes is not { Port: { } port } source || endpoints.Count == 0)
        {
            return resource.Instances;
        }

        var instances = new List<AgentInstance>(resource.Instances.Count + endpoints.Count);
        instances.AddRange(resource.Instances);
        var ids = resource.Instances.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var endpoint in endpoints.Endpoints)
        {
            var number = port.Number ?? endpoint.PortNamed(port.Name!);
            if (number is null || !ids.Add(endpoint.Id) || Url(source, endpoint.Address, number.Value) is not { } url)
            {
                continue;
            }

            instances.Add(new AgentInstance { Id = endpoint.Id, Url = url, Capacity = source.Capacity });
        }

        return instances;
    }

    private static Uri? Url(KubernetesSource source, string address, int port)
    {
        var host = IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address;
        return Uri.TryCreate(string.Create(CultureInfo.InvariantCulture, $"{source.Scheme}://{host}:{port}{source.Path}"), UriKind.Absolute, out var url) ? url : null;
    }
}
