using k8s.Models;

namespace Gateway.Kubernetes;

/// <summary>Reads a Service's EndpointSlices the way kube-proxy does: the endpoints that are ready and not terminating.</summary>
public static class EndpointSliceReader
{
    public static ServiceEndpoints ReadyEndpoints(IEnumerable<V1EndpointSlice> slices)
    {
        ArgumentNullException.ThrowIfNull(slices);

        // Keyed by id, first seen wins: a pod or address listed twice (in two slices while the controller moves it, or
        // in an IPv4 and an IPv6 slice) is one instance, whose capacity counts once.
        var byId = new SortedDictionary<string, DiscoveredEndpoint>(StringComparer.Ordinal);
        foreach (var slice in slices.OrderBy(s => s.Metadata?.Name, StringComparer.Ordinal))
        {
            (string, int)[] ports = [.. (slice.Ports ?? []).Where(p => p.Port is not null).Select(p => (p.Name ?? string.Empty, p.Port!.Value))];
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                // An absent condition means ready and not terminating, as the API documents for consumers.
                if (endpoint.Conditions?.Ready == false || endpoint.Conditions?.Terminating == true)
                {
                    continue;
                }

                foreach (var address in endpoint.Addresses ?? [])
                {
                    if (string.IsNullOrWhiteSpace(address))
                    {
                        continue;
                    }

                    var id = endpoint.TargetRef is { Kind: "Pod", Name: { Length: > 0 } pod } ? pod : address;
                    byId.TryAdd(id, new DiscoveredEndpoint(id, address, ports));
                }
            }
        }

        return byId.Count == 0 ? ServiceEndpoints.None : new ServiceEndpoints([.. byId.Values]);
    }
}
