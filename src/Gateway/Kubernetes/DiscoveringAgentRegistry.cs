using Gateway.Core;
using Gateway.Registry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Gateway.Kubernetes;

/// <summary>
/// The registry routing reads on a gateway with Kubernetes access: the stored registry (embedded or Redis) as it is,
/// except that each agent with a <c>kubernetes</c> source also offers its Service's ready pods. The routed snapshot is
/// made again only when the stored snapshot or a Service's endpoints change, and shares everything else with the
/// stored one; reading it is two reference comparisons, with no allocation. Writes go to the stored registry: agents
/// are kept as written, never with their discovered pods.
/// </summary>
public sealed partial class DiscoveringAgentRegistry : BackgroundService, IAgentRegistry
{
    // How often the stored registry is looked at for agents that name a new Service or stopped naming one: changes
    // from other replicas arrive there through Redis without passing here. A reference comparison, so cheap.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    // How long start-up waits for the first lists of the Services the seed or Redis names, so that the first calls
    // find their pods; past it the gateway starts anyway, and the pods join as their lists arrive.
    private static readonly TimeSpan FirstListTimeout = TimeSpan.FromSeconds(5);

    private readonly IServiceDiscovery _discovery;
    private readonly KubernetesAccess _access;
    private readonly TimeProvider _time;
    private readonly ILogger<DiscoveringAgentRegistry> _logger;
    private readonly Lock _refreshLock = new();
    private volatile Routed _routed;

    // Per agent, what its routed view was made from: a change of neither reuses it (under _refreshLock).
    private Dictionary<AgentKey, RoutedAgent> _agents = [];

    public DiscoveringAgentRegistry(IAgentRegistry stored, IServiceDiscovery discovery, KubernetesAccess access, TimeProvider time, ILogger<DiscoveringAgentRegistry> logger)
    {
        ArgumentNullException.ThrowIfNull(discovery);
        Stored = stored;
        _discovery = discovery;
        _access = access;
        _time = time;
        _logger = logger;
        _routed = new Routed(RegistrySnapshot.NotLoaded, -1, RegistrySnapshot.NotLoaded);
        discovery.Changed += OnDiscoveryChanged;
    }

    /// <summary>The registry agents are stored in.</summary>
    public IAgentRegistry Stored { get; }

    public RegistrySnapshot Current
    {
        get
        {
            var routed = _routed;
            return ReferenceEquals(routed.Stored, Stored.Current) && routed.Version == _discovery.Version ? routed.Snapshot : Refresh();
        }
    }

    public Task<long> PutAsync(AgentKey key, AgentResource resource, CancellationToken cancellationToken = default) =>
        Stored.PutAsync(key, resource, cancellationToken);

    public Task<bool> DeleteAsync(AgentKey key, CancellationToken cancellationToken = default) => Stored.DeleteAsync(key, cancellationToken);

    public Task<long?> PutIfRevisionAsync(AgentKey key, AgentResource resource, long expectedRevision, CancellationToken cancellationToken = default) =>
        Stored.PutIfRevisionAsync(key, resource, expectedRevision, cancellationToken);

    public Task<bool?> DeleteIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default) =>
        Stored.DeleteIfRevisionAsync(key, expectedRevision, cancellationToken);

    public Task<long?> PutHoldClipIfRevisionAsync(AgentKey key, HoldClip clip, ReadOnlyMemory<byte> wav, long expectedRevision, CancellationToken cancellationToken = default) =>
        Stored.PutHoldClipIfRevisionAsync(key, clip, wav, expectedRevision, cancellationToken);

    public Task<long?> DeleteHoldClipIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default) =>
        Stored.DeleteHoldClipIfRevisionAsync(key, expectedRevision, cancellationToken);

    public Task<byte[]?> ReadHoldClipAsync(AgentKey key, CancellationToken cancellationToken = default) => Stored.ReadHoldClipAsync(key, cancellationToken);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        LogAccess(_logger, _access.Description);
        Refresh();
        await _discovery.FirstListsAsync().WaitAsync(FirstListTimeout, _time, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        await base.StartAsync(cancellationToken);
    }

    public override void Dispose()
    {
        _discovery.Changed -= OnDiscoveryChanged;
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(PollInterval, _time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            _ = Current;
        }
    }

    private void OnDiscoveryChanged() => Refresh();

    /// <summary>Makes the routed snapshot again from the stored one and the Services' endpoints, and watches what agents name.</summary>
    private RegistrySnapshot Refresh()
    {
        lock (_refreshLock)
        {
            var stored = Stored.Current;
            var version = _discovery.Version;
            if (ReferenceEquals(_routed.Stored, stored) && _routed.Version == version)
            {
                return _routed.Snapshot;
            }

            var services = new HashSet<KubernetesService>();
            var agents = new Dictionary<AgentKey, RoutedAgent>(stored.KubernetesAgents.Count);
            var changed = new List<RegisteredAgent>();
            foreach (var (key, agent) in stored.KubernetesAgents)
            {
                var service = agent.Resource.Kubernetes!.ServiceName;
                services.Add(service);
                var endpoints = _discovery.Endpoints(service);
                var routed = _agents.TryGetValue(key, out var known) && ReferenceEquals(known.Stored, agent) && ReferenceEquals(known.Endpoints, endpoints)
                    ? known
                    : new RoutedAgent(agent, endpoints, agent with { Instances = DiscoveredInstances.Merge(agent.Resource, endpoints) });
                agents[key] = routed;
                if (routed.Agent.DiscoveredCount > 0)
                {
                    changed.Add(routed.Agent);
                }
            }

            _agents = agents;
            _discovery.WatchOnly(services);
            var snapshot = stored.WithRouted(changed);
            _routed = new Routed(stored, version, snapshot);
            return snapshot;
        }
    }

    /// <summary>The routed snapshot and what it was made from.</summary>
    private sealed record Routed(RegistrySnapshot Stored, long Version, RegistrySnapshot Snapshot);

    /// <summary>One agent's routed view and what it was made from.</summary>
    private sealed record RoutedAgent(RegisteredAgent Stored, ServiceEndpoints Endpoints, RegisteredAgent Agent);

    [LoggerMessage(EventId = 14003, Level = LogLevel.Information, Message = "Kubernetes discovery through {Access}: agents with a kubernetes source also route to their Service's ready pods")]
    private static partial void LogAccess(ILogger logger, string access);
}
