using Gateway.Registry;

namespace Gateway.Kubernetes;

/// <summary>
/// The ready endpoints of the Kubernetes Services agents name, each kept current by its own list and watch. While the
/// API server cannot be reached, a Service keeps the endpoints last seen: its pods most likely still run.
/// </summary>
public interface IServiceDiscovery
{
    /// <summary>Rises whenever the endpoints of a watched Service change, or a watch stops.</summary>
    long Version { get; }

    /// <summary>Raised after <see cref="Version"/> rises, on the thread of the watch that saw the change.</summary>
    event Action? Changed;

    /// <summary>The Service's ready endpoints; none while it is not watched or not listed yet.</summary>
    ServiceEndpoints Endpoints(KubernetesService service);

    /// <summary>Watches exactly these Services from now on: starts the new ones' watches, stops the others'.</summary>
    void WatchOnly(IReadOnlySet<KubernetesService> services);

    /// <summary>How the Service's watch stands; null when it is not watched.</summary>
    ServiceWatchStatus? Status(KubernetesService service);

    /// <summary>How every watched Service's watch stands (the discovery metrics read them at each scrape).</summary>
    IReadOnlyList<ServiceWatchStatus> Statuses();

    /// <summary>Completes once every Service watched now has been listed, or failed to be, once.</summary>
    Task FirstListsAsync();
}
