using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The part of a Kubernetes API server the gateway uses, on real Kestrel at 127.0.0.1: list and watch of
/// <c>discovery.k8s.io/v1</c> EndpointSlices by namespace and <c>kubernetes.io/service-name</c> label, with resource
/// versions, watch events streamed one JSON line at a time (ADDED, MODIFIED, DELETED, ERROR), and the faults a real
/// one has: 410 Gone (in the stream or as the watch's answer), dropped watches, changes a dropped watch never told, and
/// being down. The gateway reaches it with the official client through the kubeconfig file it writes.
/// </summary>
public sealed class FakeKubernetesApi : IAsyncDisposable
{
    public const string Token = "fake-service-account-token";

    private const string SlicesPath = "/apis/discovery.k8s.io/v1/namespaces/";

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Namespace, string Name), FakeEndpointSlice> _slices = [];
    private readonly List<(long Revision, string Line, FakeEndpointSlice Slice)> _history = [];
    private readonly List<Watch> _watches = [];
    private readonly List<string> _requests = [];
    private readonly string _directory = Directory.CreateTempSubdirectory("fake-kubernetes-").FullName;
    private WebApplication? _app;
    private long _revision = 100;
    private int _goneAnswers;
    private int _port;

    private FakeKubernetesApi()
    {
    }

    /// <summary>A kubeconfig whose cluster is this server and whose user holds <see cref="Token"/>.</summary>
    public string KubeConfigPath => Path.Combine(_directory, "kubeconfig");

    /// <summary>Every request's method and target (path and query), in order.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_lock)
            {
                return [.. _requests];
            }
        }
    }

    public int ListRequests => Requests.Count(r => r.StartsWith("GET ", StringComparison.Ordinal) && !r.Contains("watch=true", StringComparison.Ordinal));

    public int WatchRequests => Requests.Count(r => r.Contains("watch=true", StringComparison.Ordinal));

    /// <summary>Watches open now.</summary>
    public int OpenWatches
    {
        get
        {
            lock (_lock)
            {
                return _watches.Count;
            }
        }
    }

    public static async Task<FakeKubernetesApi> StartAsync()
    {
        var api = new FakeKubernetesApi();
        await api.ListenAsync(port: 0);
        await File.WriteAllTextAsync(api.KubeConfigPath, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: http://127.0.0.1:{api._port}
            users:
            - name: gateway
              user:
                token: {Token}
            contexts:
            - name: fake
              context:
                cluster: fake
                user: gateway
                namespace: default
            current-context: fake
            """);
        return api;
    }

    /// <summary>Creates or replaces a slice; open watches of its Service get ADDED or MODIFIED.</summary>
    public void Apply(FakeEndpointSlice slice)
    {
        lock (_lock)
        {
            var type = _slices.ContainsKey((slice.Namespace, slice.Name)) ? "MODIFIED" : "ADDED";
            _slices[(slice.Namespace, slice.Name)] = slice;
            Publish(type, slice);
        }
    }

    /// <summary>Removes a slice; open watches of its Service get DELETED.</summary>
    public void Delete(FakeEndpointSlice slice)
    {
        lock (_lock)
        {
            if (_slices.Remove((slice.Namespace, slice.Name)))
            {
                Publish("DELETED", slice);
            }
        }
    }

    /// <summary>
    /// Changes a slice without any watch hearing of it, now or when resuming from an older resourceVersion: the event a
    /// dropped or expired watch lost. Only a new list shows it.
    /// </summary>
    public void ApplyUnseen(FakeEndpointSlice slice)
    {
        lock (_lock)
        {
            _revision++;
            _slices[(slice.Namespace, slice.Name)] = slice;
        }
    }

    /// <summary>Sends every open watch an ERROR event with a Status of code 410 (Expired), and leaves the stream open.</summary>
    public void ExpireWatches()
    {
        lock (_lock)
        {
            var status = new JsonObject
            {
                ["kind"] = "Status",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject(),
                ["status"] = "Failure",
                ["message"] = $"too old resource version: 1 ({_revision})",
                ["reason"] = "Expired",
                ["code"] = 410,
            };
            var line = new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString();
            foreach (var watch in _watches)
            {
                watch.Lines.Writer.TryWrite(line);
            }
        }
    }

    /// <summary>The next <paramref name="count"/> watch requests are answered HTTP 410 Gone with a Status body.</summary>
    public void AnswerWatchesGone(int count) => Interlocked.Exchange(ref _goneAnswers, count);

    /// <summary>Cuts every open watch's connection, with no end to its chunked body.</summary>
    public void DropWatches()
    {
        lock (_lock)
        {
            foreach (var watch in _watches)
            {
                watch.Context.Abort();
            }
        }
    }

    /// <summary>The API server goes down: open watches are cut and its port refuses connections.</summary>
    public async Task StopAsync()
    {
        DropWatches();
        if (_app is { } app)
        {
            _app = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>The API server comes back on the same port, with the state it had.</summary>
    public Task RestartAsync() => ListenAsync(_port);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task ListenAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.Run(AnswerAsync);
        await app.StartAsync();
        _port = new Uri(app.Urls.First()).Port;
        _app = app;
    }

    /// <summary>Queues the event for every open watch of the slice's Service; called under the lock.</summary>
    private void Publish(string type, FakeEndpointSlice slice)
    {
        _revision++;
        var line = new JsonObject { ["type"] = type, ["object"] = slice.ToJson(_revision) }.ToJsonString();
        _history.Add((_revision, line, slice));
        foreach (var watch in _watches.Where(w => w.Matches(slice)))
        {
            watch.Lines.Writer.TryWrite(line);
        }
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        lock (_lock)
        {
            _requests.Add($"{request.Method} {request.Path}{request.QueryString}");
        }

        if (request.Headers.Authorization != $"Bearer {Token}")
        {
            await StatusAsync(context, 401, "Unauthorized", "Unauthorized");
            return;
        }

        var path = request.Path.Value ?? string.Empty;
        var parts = path.StartsWith(SlicesPath, StringComparison.Ordinal) ? path[SlicesPath.Length..].Split('/') : [];
        if (request.Method != "GET" || parts is not [var ns, "endpointslices"])
        {
            await StatusAsync(context, 404, "NotFound", "the server could not find the requested resource");
            return;
        }

        var selector = request.Query["labelSelector"].ToString();
        var service = selector.StartsWith(FakeEndpointSlice.ServiceNameLabel + "=", StringComparison.Ordinal) ? selector[(FakeEndpointSlice.ServiceNameLabel.Length + 1)..] : null;
        if (request.Query["watch"] == "true")
        {
            await WatchAsync(context, ns, service);
        }
        else
        {
            await ListAsync(context, ns, service);
        }
    }

    private async Task ListAsync(HttpContext context, string ns, string? service)
    {
        JsonObject list;
        lock (_lock)
        {
            var items = new JsonArray();
            foreach (var slice in _slices.Values.Where(s => s.Namespace == ns && (service is null || s.Service == service)).OrderBy(s => s.Name, StringComparer.Ordinal))
            {
                items.Add(slice.ToJson(_revision));
            }

            list = new JsonObject
            {
                ["kind"] = "EndpointSliceList",
                ["apiVersion"] = "discovery.k8s.io/v1",
                ["metadata"] = new JsonObject { ["resourceVersion"] = _revision.ToString(CultureInfo.InvariantCulture) },
                ["items"] = items,
            };
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(list.ToJsonString());
    }

    private async Task WatchAsync(HttpContext context, string ns, string? service)
    {
        if (Interlocked.Decrement(ref _goneAnswers) >= 0)
        {
            await StatusAsync(context, 410, "Expired", "too old resource version");
            return;
        }

        Interlocked.Exchange(ref _goneAnswers, 0);
        var from = long.TryParse(context.Request.Query["resourceVersion"], CultureInfo.InvariantCulture, out var version) ? version : 0;
        var timeout = int.TryParse(context.Request.Query["timeoutSeconds"], CultureInfo.InvariantCulture, out var seconds) ? TimeSpan.FromSeconds(seconds) : TimeSpan.FromMinutes(30);
        var watch = new Watch(context, ns, service);
        lock (_lock)
        {
            // Resuming from a resourceVersion: what happened since is told first, as the API server's watch cache does.
            foreach (var (revision, line, slice) in _history)
            {
                if (revision > from && watch.Matches(slice))
                {
                    watch.Lines.Writer.TryWrite(line);
                }
            }

            _watches.Add(watch);
        }

        try
        {
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync();
            using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            ended.CancelAfter(timeout);
            await foreach (var line in watch.Lines.Reader.ReadAllAsync(ended.Token))
            {
                await context.Response.WriteAsync(line + "\n", ended.Token);
                await context.Response.Body.FlushAsync(ended.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The watch's timeout ended it (the body then ends cleanly), or the connection went.
        }
        finally
        {
            lock (_lock)
            {
                _watches.Remove(watch);
            }
        }
    }

    private static async Task StatusAsync(HttpContext context, int code, string reason, string message)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        };
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(status.ToJsonString()));
    }

    private sealed class Watch(HttpContext context, string ns, string? service)
    {
        public HttpContext Context { get; } = context;

        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>();

        public bool Matches(FakeEndpointSlice slice) => slice.Namespace == ns && (service is null || slice.Service == service);
    }
}
