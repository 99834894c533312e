using System.Collections.Concurrent;
using Gateway.Registry;
using k8s;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Kubernetes;

/// <summary>
/// Discovery through the API server's <c>discovery.k8s.io/v1</c> EndpointSlices: one <see cref="ServiceWatch"/> per
/// Service that agents name, started when an agent first names it and stopped when none does. Each replica watches on
/// its own; the API server tells them all the same changes at once.
/// </summary>
public sealed partial class EndpointSliceDiscovery : IServiceDiscovery, IAsyncDisposable
{
    private readonly IKubernetes _client;
    private readonly KubernetesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<EndpointSliceDiscovery> _logger;
    private readonly ConcurrentDictionary<KubernetesService, ServiceWatch> _watches = new();
    private readonly Lock _watchLock = new();
    private long _version;

    public EndpointSliceDiscovery(IKubernetes client, IOptions<KubernetesOptions> options, TimeProvider time, ILogger<EndpointSliceDiscovery> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _client = client;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public long Version => Interlocked.Read(ref _version);

    public event Action? Changed;

    public ServiceEndpoints Endpoints(KubernetesService service) =>
        _watches.TryGetValue(service, out var watch) ? watch.Endpoints : ServiceEndpoints.None;

    public ServiceWatchStatus? Status(KubernetesService service) =>
        _watches.TryGetValue(service, out var watch) ? watch.Status() : null;

    public Task FirstListsAsync() => Task.WhenAll(_watches.Values.Select(watch => watch.FirstList));

    public void WatchOnly(IReadOnlySet<KubernetesService> services)
    {
        ArgumentNullException.ThrowIfNull(services);
        lock (_watchLock)
        {
            foreach (var service in services)
            {
                if (!_watches.ContainsKey(service))
                {
                    var watch = new ServiceWatch(service, _client, _options, _time, _logger, OnChanged);
                    _watches[service] = watch;
                    LogWatching(_logger, service);
                    watch.Start();
                }
            }

            foreach (var (service, watch) in _watches)
            {
                if (!services.Contains(service) && _watches.TryRemove(service, out _))
                {
                    LogStopped(_logger, service);

                    // Not awaited: this may run on the stopping watch's own thread (its change led here).
                    _ = watch.DisposeAsync().AsTask();
                    OnChanged();
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        var watches = _watches.Values.ToList();
        _watches.Clear();
        foreach (var watch in watches)
        {
            await watch.DisposeAsync();
        }
    }

    private void OnChanged()
    {
        Interlocked.Increment(ref _version);
        Changed?.Invoke();
    }

    public IReadOnlyList<ServiceWatchStatus> Statuses()
    {
        // Under the lock that stops watches: a reader never sees a Service just let go.
        lock (_watchLock)
        {
            return [.. _watches.Values.Select(watch => watch.Status())];
        }
    }

    [LoggerMessage(EventId = 14001, Level = LogLevel.Information, Message = "Watching the EndpointSlices of Kubernetes Service {Service}")]
    private static partial void LogWatching(ILogger logger, KubernetesService service);

    [LoggerMessage(EventId = 14002, Level = LogLevel.Information, Message = "No agent names Kubernetes Service {Service} any more: its watch stops")]
    private static partial void LogStopped(ILogger logger, KubernetesService service);
}
