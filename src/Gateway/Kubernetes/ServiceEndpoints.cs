namespace Gateway.Kubernetes;

/// <summary>The ready endpoints of one Service as this replica last saw them, ordered by id; immutable.</summary>
public sealed class ServiceEndpoints
{
    public ServiceEndpoints(IReadOnlyList<DiscoveredEndpoint> endpoints) => Endpoints = endpoints;

    /// <summary>A Service not listed yet, or with no ready endpoint.</summary>
    public static ServiceEndpoints None { get; } = new([]);

    public IReadOnlyList<DiscoveredEndpoint> Endpoints { get; }

    public int Count => Endpoints.Count;

    /// <summary>Whether both hold the same endpoints: only a real change makes the registry recompute what routing reads.</summary>
    public bool SameAs(ServiceEndpoints other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Endpoints.SequenceEqual(other.Endpoints);
    }
}
