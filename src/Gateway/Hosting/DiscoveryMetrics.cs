using Gateway.Kubernetes;
using Gateway.Metrics;
using Gateway.Registry;

namespace Gateway.Hosting;

/// <summary>
/// The EndpointSlice discovery's gauges, read when Prometheus scrapes: per watched Service, its ready endpoints, when
/// this replica last knew them to be the API server's, and how stale they are. A Service no agent names any more
/// loses its series.
/// </summary>
public sealed class DiscoveryMetrics(GatewayMetrics metrics, IServiceDiscovery discovery)
{
    private readonly Lock _lock = new();
    private HashSet<KubernetesService> _exported = [];

    public void Update()
    {
        var statuses = discovery.Statuses();
        lock (_lock)
        {
            var exported = new HashSet<KubernetesService>();
            foreach (var status in statuses)
            {
                var (ns, name) = (status.Service.Namespace, status.Service.Name);
                metrics.DiscoveryEndpoints.WithLabels(ns, name).Set(status.Endpoints);
                metrics.DiscoveryLastSync.WithLabels(ns, name).Set(status.LastSyncAt?.ToUnixTimeMilliseconds() / 1000.0 ?? 0);
                metrics.DiscoveryStaleness.WithLabels(ns, name).Set(status.Staleness.TotalSeconds);
                exported.Add(status.Service);
            }

            foreach (var gone in _exported.Where(service => !exported.Contains(service)))
            {
                metrics.DiscoveryEndpoints.RemoveLabelled(gone.Namespace, gone.Name);
                metrics.DiscoveryLastSync.RemoveLabelled(gone.Namespace, gone.Name);
                metrics.DiscoveryStaleness.RemoveLabelled(gone.Namespace, gone.Name);
            }

            _exported = exported;
        }
    }
}
