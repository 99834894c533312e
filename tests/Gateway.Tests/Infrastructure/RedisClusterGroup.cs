using System.Diagnostics;
using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A Redis Cluster as local processes on free loopback ports: six nodes, three masters with one replica each, made
/// with <c>redis-cli --cluster create</c>, for fault tests (a master killed, its replica taking over). Node files live
/// in a temporary directory; dispose kills every process and deletes the directory.
/// </summary>
/// <remarks>
/// There is no <c>ConnectDirectAsync</c> as for the sentinel group: a StackExchange.Redis connection to any cluster
/// node discovers the whole cluster and routes each key to its master, so it cannot show what one node holds.
/// <see cref="ExecuteOnAsync"/> asks exactly one node instead.
/// </remarks>
public sealed class RedisClusterGroup : IAsyncDisposable
{
    private const int Masters = 3;

    /// <summary>Bounds creation and a failover; a failover usually takes about 2 s (1 s node timeout, 0.5–1 s election delay).</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _directory;
    private readonly List<RedisProcess> _nodes = [];

    private RedisClusterGroup(DirectoryInfo directory) => _directory = directory;

    /// <summary>Every node as a seed, in the StackExchange.Redis form.</summary>
    public string ConnectionString => string.Join(",", _nodes.Select(n => $"127.0.0.1:{n.Port}"));

    /// <summary>Starts six nodes and makes them a cluster; returns once every node says cluster_state:ok, all agree on
    /// the slots and every replica is in sync.</summary>
    public static async Task<RedisClusterGroup> StartAsync()
    {
        var group = new RedisClusterGroup(Directory.CreateTempSubdirectory("redis-cluster-"));
        try
        {
            for (var i = 0; i < Masters * 2; i++)
            {
                group._nodes.Add(await RedisProcess.StartAsync(group.NodeArguments));
            }

            await group.CreateAsync();
            await group.WaitUntilHealthyAsync();
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    /// <summary>The cluster as a live node sees it now.</summary>
    public async Task<IReadOnlyList<RedisClusterNode>> NodesAsync() => await NodesAsync(AnyLiveNode());

    /// <summary>The master serving the key's slot now.</summary>
    public async Task<EndPoint> MasterOfAsync(RedisKey key)
    {
        var slot = (int)await RedisProbe.ExecuteAsync(AnyLiveNode(), "CLUSTER", "KEYSLOT", key);
        return (await NodesAsync()).Single(n => n.IsMaster && !n.IsFailed && n.Serves(slot)).EndPoint;
    }

    /// <summary>The live replica of this master; throws when it has none (a promoted replica has none until one is added).</summary>
    public async Task<EndPoint> ReplicaOfAsync(EndPoint master)
    {
        var nodes = await NodesAsync();
        var id = nodes.Single(n => n.EndPoint.Equals(master)).Id;
        return nodes.SingleOrDefault(n => n.MasterId == id && !n.IsFailed)?.EndPoint
            ?? throw new InvalidOperationException($"{master} has no live replica");
    }

    /// <summary>
    /// SIGKILLs the master of the key's slot; returns once its replica has taken over (its ROLE says master: the time
    /// returned), every live node says cluster_state:ok again and all agree on who serves what.
    /// </summary>
    public async Task<RedisFailover> KillMasterOfAsync(RedisKey key)
    {
        var master = await MasterOfAsync(key);
        var replica = await ReplicaOfAsync(master);
        var started = DateTime.UtcNow;
        await NodeAt(master).KillAsync();
        DateTime? promoted = null;
        await RedisProbe.UntilAsync(
            async () =>
            {
                var role = (RedisResult[]?)await RedisProbe.ExecuteAsync(replica, "ROLE");
                promoted ??= role is [var name, ..] && (string?)name == "master" ? DateTime.UtcNow : null;
                return promoted is not null;
            },
            $"{replica} takes over from {master}",
            Timeout,
            Logs);
        await RedisProbe.UntilAsync(async () => await IsHealthyAsync() && Equals(await MasterOfAsync(key), replica), $"the cluster is ok with {replica} serving {key}", Timeout, Logs);
        return new RedisFailover(replica, started, promoted!.Value);
    }

    /// <summary>One command on exactly this node, on a connection of its own, after READONLY so that a replica answers
    /// reads of its master's slots itself instead of redirecting them (MOVED).</summary>
    public Task<RedisResult> ExecuteOnAsync(EndPoint node, string command, params object[] arguments) =>
        RedisProbe.ExecuteAsync(NodeAt(node).EndPoint, [["READONLY"], [command, .. arguments]]);

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _nodes)
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

    private IEnumerable<string> NodeArguments(int port) =>
    [
        "--save", "", "--appendonly", "no",
        // Whatever redis does write (a replica's sync file) goes to the temporary directory.
        "--dir", _directory.FullName,
        // A full sync starts at once rather than after 5 s, and an empty replica loads it straight into memory.
        "--repl-diskless-sync-delay", "0",
        "--repl-diskless-load", "on-empty-db",
        "--cluster-enabled", "yes",
        // The node's own record of the cluster (not data), which redis insists on writing.
        "--cluster-config-file", Path.Combine(_directory.FullName, $"nodes-{port}.conf"),
        // A master is suspected after 1 s without answers and failed once most masters agree; its replica then waits
        // 0.5–1 s and asks the masters for their votes.
        "--cluster-node-timeout", "1000",
        // The bus port would otherwise be port + 10000, which anything may hold: a free one of its own.
        "--cluster-port", RedisProcess.FreePort().ToString(CultureInfo.InvariantCulture),
    ];

    /// <summary>redis-cli assigns the slots, pairs each master with a replica and waits until all nodes have met.</summary>
    private async Task CreateAsync()
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("REDIS_CLI") ?? "redis-cli")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--cluster");
        start.ArgumentList.Add("create");
        foreach (var node in _nodes)
        {
            start.ArgumentList.Add($"127.0.0.1:{node.Port}");
        }

        start.ArgumentList.Add("--cluster-replicas");
        start.ArgumentList.Add("1");
        start.ArgumentList.Add("--cluster-yes");

        using var cli = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start");
        var output = cli.StandardOutput.ReadToEndAsync();
        var errors = cli.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await cli.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            cli.Kill(entireProcessTree: true);
            throw new TimeoutException($"redis-cli --cluster create did not finish:{Environment.NewLine}{await output}{await errors}");
        }

        if (cli.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli --cluster create failed ({cli.ExitCode}):{Environment.NewLine}{await output}{await errors}");
        }
    }

    private Task WaitUntilHealthyAsync() =>
        RedisProbe.UntilAsync(
            async () => await IsHealthyAsync() && (await NodesAsync()).Count(n => n.MasterId is not null && !n.IsFailed) == Masters,
            "every node says cluster_state:ok and every master has a replica in sync",
            Timeout,
            Logs);

    /// <summary>Every live node says cluster_state:ok, all hold the same view of the cluster, every live replica is in sync.</summary>
    private async Task<bool> IsHealthyAsync()
    {
        string? agreed = null;
        foreach (var node in _nodes.Where(n => n.IsRunning))
        {
            var state = RedisProbe.Fields((string?)await RedisProbe.ExecuteAsync(node.EndPoint, "CLUSTER", "INFO") ?? "");
            var view = string.Join('\n', (await NodesAsync(node.EndPoint)).Select(n => n.Summary).Order(StringComparer.Ordinal));
            var replication = await RedisProbe.InfoAsync(node.EndPoint, "replication");
            if (state.GetValueOrDefault("cluster_state") != "ok"
                || (agreed ??= view) != view
                || (replication.GetValueOrDefault("role") == "slave" && replication.GetValueOrDefault("master_link_status") != "up"))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<IReadOnlyList<RedisClusterNode>> NodesAsync(EndPoint node)
    {
        var text = (string?)await RedisProbe.ExecuteAsync(node, "CLUSTER", "NODES") ?? "";
        return [.. text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(RedisClusterNode.Parse)];
    }

    private IPEndPoint AnyLiveNode() => _nodes.First(n => n.IsRunning).EndPoint;

    private RedisProcess NodeAt(EndPoint node) =>
        _nodes.SingleOrDefault(n => n.EndPoint.Equals(node)) ?? throw new ArgumentException($"{node} is not a node of this cluster", nameof(node));

    private string Logs() =>
        string.Join(Environment.NewLine, _nodes.Select(p => $"--- redis on port {p.Port}:{Environment.NewLine}{p.RecentOutput}"));
}
