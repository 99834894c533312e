using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A Redis Sentinel deployment as local processes on free loopback ports: a master, one replica and three sentinels
/// (quorum 2) watching <see cref="ServiceName"/>, for fault tests (a forced failover, a killed master, a node coming
/// back). Config files live in a temporary directory; dispose kills every process and deletes the directory.
/// </summary>
/// <remarks>
/// There is no redis-sentinel binary on the build machines (Debian ships it as a separate package that only adds a
/// link and a service): <c>redis-server &lt;config&gt; --sentinel</c> is the same program in sentinel mode.
/// </remarks>
public sealed class RedisSentinelGroup : IAsyncDisposable
{
    public const string ServiceName = "mymaster";

    /// <summary>
    /// Bounds a promotion. One usually takes 1–3 s; a split vote between sentinels costs another 2 × failover-timeout.
    /// </summary>
    private static readonly TimeSpan PromotionTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Bounds the wait for a failover to be possible again: after a failover the sentinels leave the old master alone
    /// for 8 s (hard-coded) before they make it a replica, and only a replica they see in sync can be promoted.
    /// </summary>
    private static readonly TimeSpan HealthyTimeout = TimeSpan.FromSeconds(40);

    private readonly DirectoryInfo _directory;
    private readonly List<RedisProcess> _nodes = [];
    private readonly List<RedisProcess> _sentinels = [];
    private int _master;

    private RedisSentinelGroup(DirectoryInfo directory) => _directory = directory;

    /// <summary>The StackExchange.Redis sentinel form: the sentinels plus the service name.</summary>
    public string ConnectionString =>
        string.Join(",", _sentinels.Select(s => $"127.0.0.1:{s.Port}")) + $",serviceName={ServiceName}";

    /// <summary>The master all three sentinels named when the group started or last failed over.</summary>
    public EndPoint MasterEndPoint => _nodes[_master].EndPoint;

    /// <summary>The other node: the replica, or the old master while it is dead or not yet turned into a replica.</summary>
    public EndPoint ReplicaEndPoint => _nodes[1 - _master].EndPoint;

    /// <summary>Starts the five processes; returns once the sentinels agree on the master and see the replica in sync.</summary>
    public static async Task<RedisSentinelGroup> StartAsync()
    {
        var group = new RedisSentinelGroup(Directory.CreateTempSubdirectory("redis-sentinel-"));
        try
        {
            group._nodes.Add(await RedisProcess.StartAsync(_ => group.NodeArguments()));
            var masterPort = group._nodes[0].Port.ToString(CultureInfo.InvariantCulture);
            group._nodes.Add(await RedisProcess.StartAsync(_ => [.. group.NodeArguments(), "--replicaof", "127.0.0.1", masterPort]));

            // The sentinels start once the replica is in sync, so their first INFO of the master already lists it
            // (they would otherwise learn of it only at the next INFO, up to 10 s later).
            await RedisProbe.UntilAsync(async () => await IsReplicaInSyncAsync(group._nodes[1].EndPoint, group._nodes[0].Port), "the replica is in sync", Wait.Timeout, group.Logs);
            for (var i = 0; i < 3; i++)
            {
                group._sentinels.Add(await RedisProcess.StartAsync(group.SentinelArguments));
            }

            await group.WaitUntilHealthyAsync();
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// <c>SENTINEL FAILOVER</c>, then waits until all three sentinels name the replica as master. The old master goes on
    /// answering as a master until the sentinels send it REPLICAOF about 10 s later, so only the sentinels can tell.
    /// Right after an earlier failover it first waits until a sentinel sees the replica in sync again, and asks that
    /// one: a forced failover needs no vote, and a sentinel that sees no good replica answers NOGOODSLAVE.
    /// </summary>
    public async Task<RedisFailover> FailoverAsync()
    {
        RedisProcess? ready = null;
        await RedisProbe.UntilAsync(
            async () =>
            {
                if (await IsReplicaInSyncAsync())
                {
                    foreach (var sentinel in _sentinels)
                    {
                        if (await SeesGroupHealthyAsync(sentinel))
                        {
                            ready = sentinel;
                            return true;
                        }
                    }
                }

                return false;
            },
            $"a sentinel sees {ReplicaEndPoint} in sync with {MasterEndPoint}",
            HealthyTimeout,
            Logs);
        var started = DateTime.UtcNow;
        await RedisProbe.ExecuteAsync(ready!.EndPoint, "SENTINEL", "FAILOVER", ServiceName);
        return await WaitForPromotionAsync(started);
    }

    /// <summary>
    /// SIGKILLs the master and waits until all three sentinels name the replica as master. First waits, if need be,
    /// until all three see the replica in sync, since any of them may win the vote and pick the replica.
    /// </summary>
    public async Task<RedisFailover> KillMasterAsync()
    {
        await WaitUntilHealthyAsync();
        var started = DateTime.UtcNow;
        await _nodes[_master].KillAsync();
        return await WaitForPromotionAsync(started);
    }

    /// <summary>
    /// Starts a killed node again on its port, empty, and waits until it is a replica of the master in sync. When it
    /// comes back as a master (the old master does) that takes about 10 s: the sentinels leave a node that claims to
    /// be master alone for 8 s, and look at it only every 10 s. Sentinels that did not reconfigure it may see it in
    /// sync only at their next look, up to 10 s later; <see cref="WaitUntilHealthyAsync"/> waits for that.
    /// </summary>
    public async Task RestartNodeAsync(EndPoint node)
    {
        var process = NodeAt(node);
        if (process == _nodes[_master])
        {
            throw new InvalidOperationException($"{node} is the master; KillMasterAsync first");
        }

        await process.RestartAsync();
        await RedisProbe.UntilAsync(IsReplicaInSyncAsync, $"{node} is a replica of {MasterEndPoint} in sync", HealthyTimeout, Logs);
    }

    /// <summary>
    /// Waits until all three sentinels name the same master, know each other and see the other node as a replica in
    /// sync: what a failover needs (until then SENTINEL FAILOVER answers NOGOODSLAVE).
    /// </summary>
    public Task WaitUntilHealthyAsync() =>
        RedisProbe.UntilAsync(IsHealthyAsync, $"the sentinels name {MasterEndPoint} as master and see {ReplicaEndPoint} in sync", HealthyTimeout, Logs);

    /// <summary>A connection to exactly this node, not through the sentinels: a replica answers reads and refuses writes.</summary>
    public async Task<IConnectionMultiplexer> ConnectDirectAsync(EndPoint node) =>
        await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { NodeAt(node).EndPoint }, AllowAdmin = true, ConnectTimeout = 5000 });

    /// <summary>One command on exactly this node (e.g. <c>GET key</c>, <c>ROLE</c>), on a connection of its own.</summary>
    public Task<RedisResult> ExecuteOnAsync(EndPoint node, string command, params object[] arguments) =>
        RedisProbe.ExecuteAsync(NodeAt(node).EndPoint, [command, .. arguments]);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _sentinels.Concat(_nodes))
        {
            await process.DisposeAsync();
        }

        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is not worth failing a test over.
        }
    }

    private IEnumerable<string> NodeArguments() =>
    [
        "--save", "", "--appendonly", "no",
        // Whatever redis does write (a replica's sync file) goes to the temporary directory.
        "--dir", _directory.FullName,
        // A full sync starts at once rather than after 5 s (diskless sync waits for more replicas by default), and
        // an empty replica loads it straight into memory.
        "--repl-diskless-sync-delay", "0",
        "--repl-diskless-load", "on-empty-db",
    ];

    private IEnumerable<string> SentinelArguments(int port)
    {
        // down-after 2 s: the master is subjectively down after 2 s without answers, objectively down once a second
        // sentinel agrees; at 1 s a busy CI machine's stall of a second made a sentinel fail the new master over again,
        // back to the old one just restarted. failover-timeout 3 s: how long a promotion may take, and half the wait before retrying after
        // a split vote; smaller aborts promotions on a busy machine (the sentinels check the replica's role once a second).
        var path = Path.Combine(_directory.FullName, $"sentinel-{port}.conf");
        File.WriteAllText(path, $"""
            dir "{_directory.FullName}"
            sentinel monitor {ServiceName} 127.0.0.1 {_nodes[0].Port} 2
            sentinel down-after-milliseconds {ServiceName} 2000
            sentinel failover-timeout {ServiceName} 3000
            sentinel parallel-syncs {ServiceName} 1

            """);

        // The file comes first, and stays writable: sentinels rewrite it as they learn of replicas, peers and failovers.
        return [path, "--sentinel"];
    }

    private async Task<bool> IsHealthyAsync()
    {
        if (!await IsReplicaInSyncAsync())
        {
            return false;
        }

        foreach (var sentinel in _sentinels)
        {
            if (!await SeesGroupHealthyAsync(sentinel))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The replica's own word: it replicates the master and its link is up.</summary>
    private async Task<bool> IsReplicaInSyncAsync()
    {
        var replica = _nodes[1 - _master];
        return replica.IsRunning && await IsReplicaInSyncAsync(replica.EndPoint, _nodes[_master].Port);
    }

    /// <summary>The sentinel names the master, knows both peers and, at its last look, saw the replica in sync.</summary>
    private async Task<bool> SeesGroupHealthyAsync(RedisProcess sentinel)
    {
        var peers = await SentinelTableAsync(sentinel, "SENTINELS");
        var replicas = await SentinelTableAsync(sentinel, "REPLICAS");
        var replicaName = $"127.0.0.1:{_nodes[1 - _master].Port}";
        var masterPort = _nodes[_master].Port.ToString(CultureInfo.InvariantCulture);
        return Equals(await SentinelMasterAsync(sentinel), MasterEndPoint)
            && peers.Count(p => p.GetValueOrDefault("flags") == "sentinel") == _sentinels.Count - 1
            && replicas.Any(r => r.GetValueOrDefault("name") == replicaName
                && r.GetValueOrDefault("flags") == "slave"
                && r.GetValueOrDefault("role-reported") == "slave"
                && r.GetValueOrDefault("master-port") == masterPort
                && r.GetValueOrDefault("master-link-status") == "ok");
    }

    private async Task<RedisFailover> WaitForPromotionAsync(DateTime started)
    {
        var candidate = _nodes[1 - _master].EndPoint;
        DateTime? firstNamed = null;
        await RedisProbe.UntilAsync(
            async () =>
            {
                var naming = 0;
                foreach (var sentinel in _sentinels)
                {
                    if (Equals(await SentinelMasterAsync(sentinel), candidate))
                    {
                        firstNamed ??= DateTime.UtcNow;
                        naming++;
                    }
                }

                return naming == _sentinels.Count;
            },
            $"the sentinels promote {candidate}",
            PromotionTimeout,
            Logs);
        _master = 1 - _master;
        return new RedisFailover(candidate, started, firstNamed!.Value);
    }

    private static async Task<bool> IsReplicaInSyncAsync(EndPoint replica, int masterPort)
    {
        var info = await RedisProbe.InfoAsync(replica, "replication");
        return info.GetValueOrDefault("role") == "slave"
            && info.GetValueOrDefault("master_port") == masterPort.ToString(CultureInfo.InvariantCulture)
            && info.GetValueOrDefault("master_link_status") == "up";
    }

    private static async Task<IPEndPoint?> SentinelMasterAsync(RedisProcess sentinel)
    {
        var address = (RedisResult[]?)await RedisProbe.ExecuteAsync(sentinel.EndPoint, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", ServiceName);
        return address is [var host, var port] ? new IPEndPoint(IPAddress.Parse((string)host!), (int)port) : null;
    }

    /// <summary>SENTINEL SENTINELS or SENTINEL REPLICAS: one row of name/value pairs per instance.</summary>
    private static async Task<List<Dictionary<string, string>>> SentinelTableAsync(RedisProcess sentinel, string what)
    {
        var rows = (RedisResult[]?)await RedisProbe.ExecuteAsync(sentinel.EndPoint, "SENTINEL", what, ServiceName) ?? [];
        return [.. rows.Select(row => ((RedisResult[])row!).Chunk(2).ToDictionary(pair => (string)pair[0]!, pair => (string?)pair[1] ?? "", StringComparer.Ordinal))];
    }

    private RedisProcess NodeAt(EndPoint node) =>
        _nodes.SingleOrDefault(n => n.EndPoint.Equals(node)) ?? throw new ArgumentException($"{node} is not a node of this group", nameof(node));

    private string Logs() =>
        string.Join(Environment.NewLine, _nodes.Concat(_sentinels).Select(p => $"--- redis on port {p.Port}:{Environment.NewLine}{p.RecentOutput}"));
}
