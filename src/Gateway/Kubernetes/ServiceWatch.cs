using System.Net;
using Gateway.Registry;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Gateway.Kubernetes;

/// <summary>
/// One Service's EndpointSlices, kept current: list, then watch from the list's resourceVersion; list again when the
/// watch ends for any reason (its timeout, 410 Gone, a dropped connection), backing off while the API server fails.
/// Runs on its own task from <see cref="Start"/> until disposed; the last endpoints seen stay in force meanwhile.
/// </summary>
internal sealed partial class ServiceWatch : IAsyncDisposable
{
    // How long past its server-side timeout a silent watch is given before the gateway drops it itself.
    private static readonly TimeSpan WatchGrace = TimeSpan.FromSeconds(30);

    private readonly IKubernetes _client;
    private readonly KubernetesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action _changed;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _firstList = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, V1EndpointSlice> _slices = new(StringComparer.Ordinal);
    private readonly DateTimeOffset _started;
    private readonly Lock _stateLock = new();
    private volatile ServiceEndpoints _endpoints = ServiceEndpoints.None;
    private Task _loop = Task.CompletedTask;
    private int _failures;
    private bool _inSync;
    private DateTimeOffset? _lastSyncAt;
    private string? _lastError;

    public ServiceWatch(KubernetesService service, IKubernetes client, KubernetesOptions options, TimeProvider time, ILogger logger, Action changed)
    {
        Service = service;
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        _changed = changed;
        _started = time.GetUtcNow();
    }

    public KubernetesService Service { get; }

    public ServiceEndpoints Endpoints => _endpoints;

    /// <summary>Completes after the first list, whether it succeeded or failed.</summary>
    public Task FirstList => _firstList.Task;

    public void Start() => _loop = Task.Run(() => RunAsync(_stopping.Token));

    public ServiceWatchStatus Status()
    {
        var now = _time.GetUtcNow();
        lock (_stateLock)
        {
            var staleness = _inSync ? TimeSpan.Zero : now - (_lastSyncAt ?? _started);
            return new ServiceWatchStatus(Service, _endpoints.Count, _inSync, _inSync ? now : _lastSyncAt, staleness, _inSync ? null : _lastError);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var listed = _time.GetTimestamp();
            try
            {
                await ListAndWatchAsync(stopping);
                _failures = 0;
                MarkOutOfSync(reason: null);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                // Whatever went wrong, the loop goes on: a watch that died would leave the Service's pods stale for good.
                _failures++;
                MarkOutOfSync(e.Message);
                var status = Status();
                LogUnreachable(_logger, Service, e.Message, _endpoints.Count, status.Staleness.TotalSeconds, _failures);
                _firstList.TrySetResult();
            }

            // A watch that ended on its own is followed by a list at once, but never more than one list per retry
            // interval: a server that keeps closing watches at once must not be listed in a tight loop.
            var delay = _failures == 0 ? _options.RetryInterval - _time.GetElapsedTime(listed) : Backoff(_failures);
            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, _time, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(_options.MaxRetryInterval.Ticks, _options.RetryInterval.Ticks << Math.Min(failures - 1, 20)));

    private async Task ListAndWatchAsync(CancellationToken stopping)
    {
        var list = await _client.DiscoveryV1.ListNamespacedEndpointSliceAsync(Service.Namespace, labelSelector: Service.LabelSelector, cancellationToken: stopping);
        _slices.Clear();
        foreach (var slice in list.Items ?? [])
        {
            _slices[slice.Metadata?.Name ?? string.Empty] = slice;
        }

        Publish();
        MarkInSync();
        _firstList.TrySetResult();

        using var timer = new CancellationTokenSource(_options.WatchTimeout + WatchGrace, _time);
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(stopping, timer.Token);
        Exception? error = null;
        try
        {
            var events = _client.DiscoveryV1.WatchListNamespacedEndpointSliceAsync(
                Service.Namespace,
                allowWatchBookmarks: true,
                labelSelector: Service.LabelSelector,
                resourceVersion: list.Metadata?.ResourceVersion,
                timeoutSeconds: (int)_options.WatchTimeout.TotalSeconds,
                onError: e =>
                {
                    // An ERROR event (410 Gone: the resourceVersion is too old) or a line that does not parse: the
                    // stream can no longer be trusted to be complete.
                    error ??= e;
                    watch.Cancel();
                },
                cancellationToken: watch.Token);
            await foreach (var (type, slice) in events)
            {
                Apply(type, slice);
            }
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            // Ended by the gateway's own timer or by an error event: listed again below.
        }
        catch (EndOfStreamException)
        {
            // The server ended the watch before its first event (the client reads one line before it returns).
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Gone)
        {
            error = e;
        }

        if (error is KubernetesException { Status.Code: 410 } or HttpOperationException { Response.StatusCode: HttpStatusCode.Gone })
        {
            LogExpired(_logger, Service);
            return;
        }

        if (error is not null)
        {
            throw error is KubernetesException or System.Text.Json.JsonException ? error : new IOException(error.Message, error);
        }
    }

    private void Apply(WatchEventType type, V1EndpointSlice? slice)
    {
        if (slice?.Metadata?.Name is not { } name)
        {
            return;
        }

        switch (type)
        {
            case WatchEventType.Added or WatchEventType.Modified:
                _slices[name] = slice;
                break;
            case WatchEventType.Deleted:
                _slices.Remove(name);
                break;
            default:
                // A bookmark carries only a resourceVersion; the gateway relists rather than resumes, so it needs none.
                return;
        }

        // The watch works: failures before it no longer call for a longer wait.
        _failures = 0;
        Publish();
    }

    private void Publish()
    {
        var endpoints = EndpointSliceReader.ReadyEndpoints(_slices.Values);
        var previous = _endpoints;
        if (endpoints.SameAs(previous))
        {
            return;
        }

        _endpoints = endpoints;
        if (_logger.IsEnabled(LogLevel.Information))
        {
            var before = previous.Endpoints.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
            var after = endpoints.Endpoints.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
            var added = string.Join(", ", after.Except(before));
            var removed = string.Join(", ", before.Except(after));
            LogEndpoints(_logger, Service, endpoints.Count, added, removed);
        }

        _changed();
    }

    private void MarkInSync()
    {
        var now = _time.GetUtcNow();
        lock (_stateLock)
        {
            if (!_inSync && _lastError is not null)
            {
                LogResynced(_logger, Service, (now - (_lastSyncAt ?? _started)).TotalSeconds);
            }

            _inSync = true;
            _lastSyncAt = now;
            _lastError = null;
        }
    }

    private void MarkOutOfSync(string? reason)
    {
        lock (_stateLock)
        {
            if (_inSync)
            {
                _inSync = false;
                _lastSyncAt = _time.GetUtcNow();
            }

            _lastError = reason ?? _lastError;
        }
    }

    [LoggerMessage(EventId = 14101, Level = LogLevel.Information, Message = "Kubernetes Service {Service}: {Count} ready endpoints (new: [{Added}], gone: [{Removed}])")]
    private static partial void LogEndpoints(ILogger logger, KubernetesService service, int count, string added, string removed);

    [LoggerMessage(EventId = 14102, Level = LogLevel.Warning,
        Message = "Kubernetes Service {Service}: the API server did not answer the list or watch ({Reason}); routing keeps the {Count} endpoints last seen, {StaleSeconds:0.0} s stale (attempt {Attempt})")]
    private static partial void LogUnreachable(ILogger logger, KubernetesService service, string reason, int count, double staleSeconds, int attempt);

    [LoggerMessage(EventId = 14103, Level = LogLevel.Information, Message = "Kubernetes Service {Service}: the watch's resourceVersion expired (410 Gone); listing again")]
    private static partial void LogExpired(ILogger logger, KubernetesService service);

    [LoggerMessage(EventId = 14104, Level = LogLevel.Information, Message = "Kubernetes Service {Service}: listed again after {StaleSeconds:0.0} s out of sync")]
    private static partial void LogResynced(ILogger logger, KubernetesService service, double staleSeconds);
}
