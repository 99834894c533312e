namespace Gateway.Kubernetes;

/// <summary>
/// One ready endpoint of a Service: a pod (its id the pod's name) or, with no pod behind it, an address (its id the
/// address), with the ports its EndpointSlice lists by name.
/// </summary>
public sealed record DiscoveredEndpoint(string Id, string Address, IReadOnlyList<(string Name, int Port)> Ports)
{
    /// <summary>The number of the port named <paramref name="name"/>; null when the endpoint's slice has none by that name.</summary>
    public int? PortNamed(string name)
    {
        foreach (var port in Ports)
        {
            if (port.Name == name)
            {
                return port.Port;
            }
        }

        return null;
    }

    // By value: a watch event that changes nothing routing sees must not look like a change.
    public bool Equals(DiscoveredEndpoint? other) =>
        other is not null && Id == other.Id && Address == other.Address && Ports.SequenceEqual(other.Ports);

    public override int GetHashCode() => HashCode.Combine(Id, Address, Ports.Count);
}
