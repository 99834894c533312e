using System.Diagnostics;
using Gateway.Core;
using Gateway.Registry;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Per test: a fake Kubernetes API server, three bot servers standing in for the pods <c>pod-a</c>, <c>pod-b</c> and
/// <c>pod-c</c> of Service <c>bots/support-bot</c> (each in an EndpointSlice of its own, its port named <c>ws</c>), and
/// two gateway replicas on one Redis key space that reach the API server through its kubeconfig. The agent
/// <c>acme/support</c> names the Service and has no static instance; no pod is in the API server yet.
/// </summary>
public abstract class TwoReplicasWithPodsTest : IAsyncLifetime
{
    protected const string Namespace = "bots";

    protected const string Service = "support-bot";

    protected static readonly AgentKey Support = new("acme", "support");

    private readonly Dictionary<string, BotServer> _pods = [];

    protected FakeKubernetesApi Api { get; private set; } = null!;

    protected GatewayHost First { get; private set; } = null!;

    protected GatewayHost Second { get; private set; } = null!;

    protected string RedisPrefix { get; } = TestRedis.UniquePrefix();

    /// <summary>Gateway settings beyond the kubeconfig and short retry intervals.</summary>
    protected virtual IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>();

    /// <summary>The bot server standing in for a pod.</summary>
    protected BotServer Bot(string pod) => _pods[pod];

    public async Task InitializeAsync()
    {
        Api = await FakeKubernetesApi.StartAsync();
        foreach (var pod in new[] { "pod-a", "pod-b", "pod-c" })
        {
            _pods[pod] = await BotServer.StartAsync();
        }

        var settings = KubernetesSettings(Api);
        foreach (var (key, value) in ExtraSettings)
        {
            settings[key] = value;
        }

        var redis = await TestRedis.ConnectionStringAsync();
        var starting = new[] { GatewayHost.StartAsync(redis, RedisPrefix, settings), GatewayHost.StartAsync(redis, RedisPrefix, settings) };
        First = await starting[0];
        Second = await starting[1];
        await First.PutAgentAsync(Support, new AgentResource
        {
            Kubernetes = new KubernetesSource(Namespace, Service, KubernetesPort.FromName("ws")),
        });
        await Wait.UntilAsync(() => Second.Registry.Current.TryGet(Support, out _), "the agent reaches the second replica");
    }

    public async Task DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        foreach (var pod in _pods.Values)
        {
            await pod.DisposeAsync();
        }

        await Api.DisposeAsync();
    }

    /// <summary>What a gateway needs to watch <paramref name="api"/>, retrying fast.</summary>
    public static Dictionary<string, string?> KubernetesSettings(FakeKubernetesApi api) => new()
    {
        ["Kubernetes:KubeConfig"] = api.KubeConfigPath,
        ["Kubernetes:RetryInterval"] = "00:00:00.100",
        ["Kubernetes:MaxRetryInterval"] = "00:00:00.400",
    };

    /// <summary>The pod's EndpointSlice, on its bot server's port.</summary>
    protected FakeEndpointSlice Pod(string pod, bool? ready = true, bool? terminating = null) =>
        FakeEndpointSlice.ForPod(Namespace, Service, pod, _pods[pod].WsUri.Port, ready, terminating);

    /// <summary>The instances a replica routes the agent's new calls to, by id.</summary>
    protected static string[] Routed(GatewayHost gateway) =>
        gateway.Registry.Current.TryGet(Support, out var agent) ? [.. agent.Instances.Select(i => i.Id)] : [];

    /// <summary>Waits until both replicas route exactly to <paramref name="pods"/>; returns how long that took (to 2 ms or so).</summary>
    protected async Task<TimeSpan> UntilRoutedAsync(params string[] pods)
    {
        var watch = Stopwatch.StartNew();
        TimeSpan? first = null;
        TimeSpan? second = null;
        while (first is null || second is null)
        {
            first ??= Routed(First).SequenceEqual(pods) ? watch.Elapsed : null;
            second ??= Routed(Second).SequenceEqual(pods) ? watch.Elapsed : null;
            if (watch.Elapsed > Wait.Timeout)
            {
                Assert.Fail($"Timed out waiting until both replicas route to [{string.Join(", ", pods)}] (first: [{string.Join(", ", Routed(First))}], second: [{string.Join(", ", Routed(Second))}]).");
            }

            await Task.Delay(2);
        }

        Assert.Equal(pods, Routed(First));
        Assert.Equal(pods, Routed(Second));
        return first.Value > second.Value ? first.Value : second.Value;
    }
}
