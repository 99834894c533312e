using System.Collections.Concurrent;
using System.Collections.Frozen;
using Gateway.Core;
using Prometheus;

namespace Gateway.Metrics;

/// <summary>
/// Every metric the gateway exports, in a registry of its own (not prometheus-net's process-wide default), so that
/// each application instance (the tests start many in one process) counts only its own calls. Label values are
/// organization and agent names taken from the registry, never from the request, and a fixed set of outcomes,
/// directions and operations: cardinality stays bounded by the number of agents.
/// </summary>
public sealed class GatewayMetrics : ICallTelemetry, IStoreTelemetry
{
    /// <summary>The label value of calls refused before their agent was known to exist (or when it does not).</summary>
    public const string NoAgent = "";

    private static readonly string[] AgentLabels = ["org", "agent"];

    // Only Services an agent of the registry names: bounded by the number of agents, like org and agent.
    private static readonly string[] DiscoveryLabels = ["namespace", "service"];

    private readonly Counter _callsStarted;
    private readonly Counter _callsEnded;
    private readonly Counter _callReconnects;
    private readonly Gauge _callsActive;
    private readonly Histogram _setupDuration;
    private readonly FrozenDictionary<string, Histogram.Child> _setupStages;
    private readonly Counter _queueOutcomes;
    private readonly Histogram _queueWait;
    private readonly Counter _relayedFrames;
    private readonly Counter _relayedBytes;
    private readonly Counter _redisErrors;
    private readonly Counter _claimsOverbooked;
    private readonly Counter _claimsRestored;
    private readonly Counter _claimsCompensated;
    private readonly ConcurrentDictionary<RelayedCallMetrics, byte> _relayed = new();

    public GatewayMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();

        // Exemplars would read the current trace on every increment; the gateway records none.
        Factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        Factory.ExemplarBehavior = ExemplarBehavior.NoExemplars();

        // process_* and dotnet_*: CPU, memory and GC for the dashboard's process row.
        DotNetStats.Register(Registry);

        _callsActive = Factory.CreateGauge("gateway_calls_active", "Calls this replica relays now.", AgentLabels);
        _callsStarted = Factory.CreateCounter("gateway_calls_started_total", "Calls whose start frame reached the bot.", AgentLabels);
        _callsEnded = Factory.CreateCounter(
            "gateway_calls_ended_total",
            "Streams ended, by outcome: normal, caller_closed, bot_closed, caller_lost, bot_lost, bot_unreachable, message_too_big, drained, handshake_failed or rejected_{code}.",
            ["org", "agent", "outcome"]);
        _setupDuration = Factory.CreateHistogram(
            "gateway_call_setup_duration_seconds",
            "From the upgrade request to the start frame forwarded to the bot.",
            AgentLabels,
            new HistogramConfiguration { Buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

        // By stage only, not by agent: five series per bucket whatever the number of agents; finer at the bottom,
        // where a healthy claim or bot connect on a cluster network lies.
        var setupStages = Factory.CreateHistogram(
            "gateway_call_setup_stage_seconds",
            "Each step of call set-ups and of a dropped bot's replacement, attempts included, by stage: route, claim, bot_connect, caller_upgrade, start_frame.",
            ["stage"],
            new HistogramConfiguration { Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _setupStages = SetupStages.All.ToFrozenDictionary(stage => stage, stage => setupStages.WithLabels(stage), StringComparer.Ordinal);
        _callReconnects = Factory.CreateCounter(
            "gateway_call_reconnects_total", "Calls whose bot dropped mid-call, by what followed: reconnected (another bot has the call), failed, gave_up.", ["org", "agent", "result"]);
        _queueOutcomes = Factory.CreateCounter(
            "gateway_queue_outcomes_total",
            "Callers who found no free bot and whose agent queues them, by how their wait ended: connected, timed_out, abandoned, full (refused, no wait), drained, failed.",
            ["org", "agent", "outcome"]);
        _queueWait = Factory.CreateHistogram(
            "gateway_queue_wait_seconds",
            "How long callers waited in their agent's queue, by how the wait ended (full excluded).",
            ["org", "agent", "outcome"],
            new HistogramConfiguration { Buckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600] });
        QueueWaiting = Factory.CreateGauge(
            "gateway_queue_waiting", "Callers waiting for a bot of the agent across all replicas; the same on every replica; embedded registry: this replica's.", AgentLabels);
        _relayedFrames = Factory.CreateCounter("gateway_relayed_frames_total", "WebSocket messages relayed, by direction (to_bot, to_caller).", ["org", "agent", "direction"]);
        _relayedBytes = Factory.CreateCounter("gateway_relayed_bytes_total", "Payload bytes of the messages relayed, by direction.", ["org", "agent", "direction"]);
        RegistryRevision = Factory.CreateGauge("gateway_registry_revision", "The highest registry revision this replica has applied.");
        RegistryLastSync = Factory.CreateGauge(
            "gateway_registry_last_sync_timestamp_seconds", "When the registry last matched its source in full (Unix time; 0 before the first load).");
        RegistryStaleness = Factory.CreateGauge(
            "gateway_registry_staleness_seconds", "Seconds since the registry last matched its source in full (embedded registry: 0).");
        _redisErrors = Factory.CreateCounter("gateway_redis_errors_total", "Redis commands that failed or were not attempted because Redis was unreachable.", ["operation"]);
        ClaimsHeld = Factory.CreateGauge("gateway_claims_held", "Instance claims this replica holds for its calls.");
        _claimsOverbooked = Factory.CreateCounter(
            "gateway_claims_overbooked_total",
            "Times this replica found an agent over maxConcurrentCalls or an instance over its capacity when it re-asserted its claims (replicas admitted calls on local accounting at once).",
            AgentLabels);
        _claimsRestored = Factory.CreateCounter(
            "gateway_claims_restored_total", "Claims of live calls that Redis had lost (a restart, a failover) and this replica wrote back.");
        _claimsCompensated = Factory.CreateCounter(
            "gateway_claims_compensated_total", "Claims removed from Redis that a write without a reply (a timeout) had left behind.");
        Draining = Factory.CreateGauge("gateway_draining", "1 while this replica drains (refuses new calls), else 0.");
        DiscoveryEndpoints = Factory.CreateGauge(
            "gateway_discovery_endpoints", "Ready endpoints of a Kubernetes Service an agent names, as this replica last saw them.", DiscoveryLabels);
        DiscoveryLastSync = Factory.CreateGauge(
            "gateway_discovery_last_sync_timestamp_seconds",
            "When this replica last knew a Kubernetes Service's endpoints to be the API server's (Unix time; now while its watch is open; 0 before its first list).",
            DiscoveryLabels);
        DiscoveryStaleness = Factory.CreateGauge(
            "gateway_discovery_staleness_seconds",
            "Seconds since this replica last knew a Kubernetes Service's endpoints to be the API server's (0 while its watch is open): calls route to the endpoints last seen meanwhile.",
            DiscoveryLabels);

        // What prometheus-net's own runtime metrics leave out: the set-up tail follows the GC's pauses, and bytes allocated
        // per call (a difference of two scrapes) say what a call costs the GC. Process-wide, read at each scrape.
        GcPause = Factory.CreateCounter("dotnet_gc_pause_seconds_total", "Time the garbage collector paused the process since it started.");
        GcAllocated = Factory.CreateCounter("dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap since the process started.");

        // For autoscalers: the same cluster-wide values on every replica (aggregate with max by (org, agent)).
        AgentInstances = Factory.CreateGauge(
            "gateway_agent_instances", "Instances of the agent that can take calls now (listed in the registry, heartbeat not lapsed); the same on every replica.", AgentLabels);
        AgentCapacity = Factory.CreateGauge(
            "gateway_agent_capacity", "Sum of the capacity of those instances; the same on every replica.", AgentLabels);
        AgentCalls = Factory.CreateGauge(
            "gateway_agent_calls", "Calls the agent holds across all replicas (live claims, dial-out reservations included); embedded registry: this replica's.", AgentLabels);

        // Present from the first scrape, so that rate() and alerts see a zero rather than no series.
        foreach (var operation in RedisOperations.All)
        {
            _redisErrors.WithLabels(operation);
        }
    }

    public CollectorRegistry Registry { get; }

    /// <summary>Makes this gateway's metrics (the HTTP middleware's included) in <see cref="Registry"/>.</summary>
    public IMetricFactory Factory { get; }

    internal Gauge RegistryRevision { get; }

    internal Gauge RegistryLastSync { get; }

    internal Gauge RegistryStaleness { get; }

    internal Gauge ClaimsHeld { get; }

    internal Gauge Draining { get; }

    internal Gauge DiscoveryEndpoints { get; }

    internal Gauge DiscoveryLastSync { get; }

    internal Gauge DiscoveryStaleness { get; }

    internal Gauge AgentInstances { get; }

    internal Gauge AgentCapacity { get; }

    internal Gauge AgentCalls { get; }

    internal Gauge QueueWaiting { get; }

    internal Counter GcPause { get; }

    internal Counter GcAllocated { get; }

    public IRelayedCallTelemetry CallStarted(AgentKey agent, TimeSpan setup, long replayedFrames, long replayedBytes, RelayTraffic toBot, RelayTraffic toCaller)
    {
        _callsStarted.WithLabels(agent.Org, agent.Agent).Inc();
        _setupDuration.WithLabels(agent.Org, agent.Agent).Observe(setup.TotalSeconds);
        var call = new RelayedCallMetrics(
            _callsActive.WithLabels(agent.Org, agent.Agent),
            _callsEnded,
            agent,
            toBot,
            toCaller,
            _relayedFrames.WithLabels(agent.Org, agent.Agent, Directions.ToBot),
            _relayedBytes.WithLabels(agent.Org, agent.Agent, Directions.ToBot),
            _relayedFrames.WithLabels(agent.Org, agent.Agent, Directions.ToCaller),
            _relayedBytes.WithLabels(agent.Org, agent.Agent, Directions.ToCaller),
            ended => _relayed.TryRemove(ended, out _));
        call.Relayed(replayedFrames, replayedBytes);
        _relayed.TryAdd(call, 0);
        return call;
    }

    /// <summary>Adds what every live call relayed since the last look to the traffic counters (at every scrape).</summary>
    public void FlushRelayedCalls()
    {
        foreach (var call in _relayed.Keys)
        {
            call.Flush();
        }
    }

    public void SetupStageTook(string stage, TimeSpan elapsed) => _setupStages[stage].Observe(elapsed.TotalSeconds);

    public void CallReconnected(AgentKey agent, string result) => _callReconnects.WithLabels(agent.Org, agent.Agent, result).Inc();

    public void CallQueued(AgentKey agent, string outcome, TimeSpan waited)
    {
        _queueOutcomes.WithLabels(agent.Org, agent.Agent, outcome).Inc();
        if (outcome != QueueOutcomes.Full)
        {
            _queueWait.WithLabels(agent.Org, agent.Agent, outcome).Observe(waited.TotalSeconds);
        }
    }

    public void CallRefused(string code, AgentKey? agent) => CallEnded(CallOutcomes.Rejected(code), agent);

    /// <summary>A stream that ended before its relay began, for a reason other than a refusal.</summary>
    public void CallEnded(string outcome, AgentKey? agent) =>
        _callsEnded.WithLabels(agent?.Org ?? NoAgent, agent?.Agent ?? NoAgent, outcome).Inc();

    /// <summary>A Redis command failed (or was skipped because Redis was unreachable); see <see cref="RedisOperations"/>.</summary>
    public void RedisError(string operation) => _redisErrors.WithLabels(operation).Inc();

    /// <summary>Re-asserting found <paramref name="agent"/> over a limit; counted once per episode.</summary>
    public void ClaimsOverbooked(AgentKey agent) => _claimsOverbooked.WithLabels(agent.Org, agent.Agent).Inc();

    public void ClaimsRestored(long count) => _claimsRestored.Inc(count);

    public void ClaimsCompensated(long count) => _claimsCompensated.Inc(count);

    /// <summary>The count so far of one operation's Redis errors.</summary>
    internal double RedisErrorCount(string operation) => _redisErrors.WithLabels(operation).Value;

    /// <summary>The <c>direction</c> label values.</summary>
    public static class Directions
    {
        public const string ToBot = "to_bot";

        public const string ToCaller = "to_caller";
    }
}
