using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Gateway.Benchmarks;

/// <summary>One target's front door: how each call reaches it and which processes are the proxy.</summary>
internal sealed class TargetHandle(string name, Func<int, Uri> callUrl, ChildProcess? proxy, string description, Uri? unknownAgentUrl = null, Uri? metricsUrl = null)
{
    public string Name { get; } = name;

    /// <summary>The stream URL of call <c>i</c>.</summary>
    public Func<int, Uri> CallUrl { get; } = callUrl;

    /// <summary>The proxy's root process (nginx's master, haproxy, the gateway); null for direct.</summary>
    public ChildProcess? Proxy { get; } = proxy;

    /// <summary>A stream URL naming an agent nobody serves, which a proxy that routes by serviceHost must refuse.</summary>
    public Uri? UnknownAgentUrl { get; } = unknownAgentUrl;

    /// <summary>The gateway's <c>/metrics</c>, for its own account of its set-up stages; null for the others.</summary>
    public Uri? MetricsUrl { get; } = metricsUrl;

    /// <summary>How it was configured, as the report states it.</summary>
    public string Description { get; set; } = description;
}

/// <summary>
/// The servers of one benchmark run, all on 127.0.0.1 and free ports, their configs and logs in one temporary
/// directory: a private redis-server, two echo bots (the agent's two instances), and each target's proxy on demand.
/// </summary>
internal sealed class BenchLab : IAsyncDisposable
{
    /// <summary>A body like the one in Telnyx stream URLs: {"customer":"42"}; proxies pass it on, the gateway checks it.</summary>
    private const string Body = "eyJjdXN0b21lciI6IjQyIn0=";

    private const string Query = "serviceHost=" + ProxyConfigs.ServiceHost + "&body=eyJjdXN0b21lciI6IjQyIn0%3D";

    private const string UnknownQuery = "serviceHost=sales.acme&body=eyJjdXN0b21lciI6IjQyIn0%3D";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly BenchOptions _options;
    private readonly ChildProcesses _children;
    private readonly List<int> _botPorts = [];
    private readonly List<ChildProcess> _bots = [];

    public BenchLab(BenchOptions options, string repositoryRoot)
    {
        _options = options;
        RepositoryRoot = repositoryRoot;
        Directory = System.IO.Directory.CreateTempSubdirectory("gateway-bench-").FullName;
        // nginx's workers run as nobody and must reach the temp paths their master creates here.
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Directory, (UnixFileMode)0b111_101_101);
        }

        _children = new ChildProcesses(Directory);
    }

    public string Directory { get; }

    public string RepositoryRoot { get; }

    public ChildProcess? Redis { get; private set; }

    public int RedisPort { get; private set; }

    public IReadOnlyList<ChildProcess> Bots => _bots;

    public string BotDescription { get; private set; } = string.Empty;

    /// <summary>
    /// The gateway under test: this checkout's Release build, or the build <c>GATEWAY_BENCH_GATEWAY</c> names (a copy of
    /// an earlier build), so that a change can be measured against what came before in alternating runs.
    /// </summary>
    public string GatewayDll => Environment.GetEnvironmentVariable("GATEWAY_BENCH_GATEWAY") is { Length: > 0 } other
        ? Path.GetFullPath(other)
        : Path.Combine(RepositoryRoot, "src", "Gateway", "bin", "Release", "net10.0", "Gateway.dll");

    public string SampleBotDll =>
        Path.Combine(RepositoryRoot, "src", "Gateway.SampleBot", "bin", "Release", "net10.0", "Gateway.SampleBot.dll");

    public async Task StartRedisAsync(CancellationToken cancellationToken)
    {
        RedisPort = FreePort();
        Redis = _children.Start("redis", "redis-server", [
            "--port", Text(RedisPort), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no",
            "--protected-mode", "no", "--loglevel", "warning", "--dir", Directory,
        ]);
        await ChildProcesses.WaitForPortAsync(Redis, RedisPort, StartTimeout, cancellationToken);
    }

    /// <summary>Two bot processes: the agent's two instances, so that routing by serviceHost has a choice to make.</summary>
    public async Task StartBotsAsync(CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, string>
        {
            // Bots are not what is measured: keep them small, and quiet.
            ["DOTNET_gcServer"] = "0",
            ["Logging__LogLevel__Default"] = "Warning",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        for (var i = 1; i <= 2; i++)
        {
            var port = FreePort();
            ChildProcess bot;
            if (_options.Bot == "sample")
            {
                RequireFile(SampleBotDll, "dotnet build -c Release src/Gateway.SampleBot");
                bot = _children.Start($"bot-{i}", "dotnet", [SampleBotDll, "--urls", $"http://127.0.0.1:{Text(port)}"], environment);
                BotDescription = "src/Gateway.SampleBot (Release)";
            }
            else
            {
                var self = Path.Combine(AppContext.BaseDirectory, "Gateway.Benchmarks.dll");
                // The bot checks that every call's upgrade still carries the body: proxies must forward the query string.
                bot = _children.Start(
                    $"bot-{i}",
                    "dotnet",
                    [self, "bot", "--port", Text(port), "--expect-body", Body],
                    new Dictionary<string, string>(environment) { [InlineCompletions.Variable] = "1" });
                BotDescription = "the benchmark's lean echo bot (same contract as src/Gateway.SampleBot)";
            }

            _botPorts.Add(port);
            _bots.Add(bot);
        }

        foreach (var (bot, port) in _bots.Zip(_botPorts))
        {
            await ChildProcesses.WaitForPortAsync(bot, port, StartTimeout, cancellationToken);
        }
    }

    public async Task<TargetHandle> StartTargetAsync(string name, CancellationToken cancellationToken) => name switch
    {
        "direct" => new TargetHandle(
            name,
            // Alternate between the bots, as the proxies' balancing does.
            call => new Uri($"ws://127.0.0.1:{Text(_botPorts[call % _botPorts.Count])}/ws?{Query}"),
            null,
            "straight to the bots, calls alternating between them"),
        "nginx" => await StartNginxAsync(cancellationToken),
        "haproxy" => await StartHaProxyAsync(cancellationToken),
        "gateway" => await StartGatewayAsync(cancellationToken),
        "gateway-media" => await StartGatewayAsync(cancellationToken, media: true),
        _ => throw new ArgumentException($"unknown target '{name}'", nameof(name)),
    };

    public async Task StopTargetAsync(TargetHandle target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (target.Proxy is { } proxy)
        {
            await _children.StopOneAsync(proxy);
        }
    }

    /// <summary>SIGKILL to everything, at once: for when a graceful stop is itself stuck.</summary>
    public void KillAll() => _children.KillAll();

    public ValueTask DisposeAsync() => _children.DisposeAsync();

    private async Task<TargetHandle> StartNginxAsync(CancellationToken cancellationToken)
    {
        var port = FreePort();
        var config = Path.Combine(Directory, "nginx.conf");
        await File.WriteAllTextAsync(config, ProxyConfigs.Nginx(Directory, port, _botPorts, _options.Calls), cancellationToken);
        var nginx = _children.Start("nginx", "/usr/sbin/nginx", ["-p", Directory + "/", "-c", config, "-e", Path.Combine(Directory, "nginx-error.log")]);
        await WaitOrExplainAsync(nginx, port, Path.Combine(Directory, "nginx-error.log"), cancellationToken);
        var workers = await SettledAsync(() => ProcFs.ProcessTree(nginx.Pid).Count - 1, cancellationToken);
        return new TargetHandle(
            "nginx",
            _ => new Uri($"ws://127.0.0.1:{Text(port)}/ws/telnyx?{Query}"),
            nginx,
            $"worker_processes auto ({Text(workers)} workers), least_conn, map $arg_serviceHost, proxy_buffering off",
            new Uri($"ws://127.0.0.1:{Text(port)}/ws/telnyx?{UnknownQuery}"));
    }

    private async Task<TargetHandle> StartHaProxyAsync(CancellationToken cancellationToken)
    {
        var port = FreePort();
        var config = Path.Combine(Directory, "haproxy.cfg");
        await File.WriteAllTextAsync(config, ProxyConfigs.HaProxy(Directory, port, _botPorts, _options.Calls), cancellationToken);
        // Master-worker in the foreground: the master writes the pid file and watches one worker, which serves.
        var haproxy = _children.Start("haproxy", "/usr/sbin/haproxy", ["-W", "-db", "-f", config]);
        await WaitOrExplainAsync(haproxy, port, null, cancellationToken);
        var threads = await SettledAsync(
            () => ProcFs.ProcessTree(haproxy.Pid).Where(pid => pid != haproxy.Pid).Sum(pid => ProcFs.Threads(pid) ?? 0),
            cancellationToken);
        return new TargetHandle(
            "haproxy",
            _ => new Uri($"ws://127.0.0.1:{Text(port)}/ws/telnyx?{Query}"),
            haproxy,
            $"nbthread default ({Text(threads)} threads in its worker), master-worker (-W), balance leastconn, acl on urlp(serviceHost), timeout tunnel 1h",
            new Uri($"ws://127.0.0.1:{Text(port)}/ws/telnyx?{UnknownQuery}"));
    }

    /// <param name="media">Calls go to the gateway's media listener (<c>Gateway:MediaPort</c>) rather than its public one.</param>
    private async Task<TargetHandle> StartGatewayAsync(CancellationToken cancellationToken, bool media = false)
    {
        RequireFile(GatewayDll, "dotnet build -c Release src/Gateway");
        var port = FreePort();
        var callPort = media ? FreePort() : port;
        var seed = Path.Combine(Directory, "registry.json");
        await File.WriteAllTextAsync(seed, ProxyConfigs.GatewaySeed(_botPorts), cancellationToken);
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_gcServer"] = "1",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{Text(port)}",
            ["ConnectionStrings__Redis"] = $"127.0.0.1:{Text(RedisPort)}",
            ["Registry__SeedFile"] = seed,
            ["Redis__KeyPrefix"] = "bench:",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            // Every call has ended before the gateway is stopped; no reason to wait four minutes for none.
            ["Gateway__DrainWindow"] = "00:00:02",
            // The load tool is one address standing for all of Telnyx's media servers: a fast ramp must not meet the
            // per-address upgrade fuse (nginx and HAProxy run with no such limit either).
            ["Ingress__UpgradesPerSecondPerAddress"] = "0",
        };
        if (media)
        {
            environment["Gateway__MediaPort"] = Text(callPort);
        }

        // GATEWAY_BENCH_ENV_X=v sets X=v for the gateway alone (a runtime setting tried against the default, say).
        var overrides = GatewayEnvironmentOverrides().OrderBy(pair => pair.Name, StringComparer.Ordinal).ToArray();
        foreach (var (name, value) in overrides)
        {
            environment[name] = value;
        }

        var gateway = _children.Start(
            "gateway",
            "dotnet",
            [GatewayDll],
            environment,
            Path.GetDirectoryName(GatewayDll));
        await WaitOrExplainAsync(gateway, callPort, null, cancellationToken);
        return new TargetHandle(
            media ? "gateway-media" : "gateway",
            _ => new Uri($"ws://127.0.0.1:{Text(callPort)}/ws/telnyx?{Query}"),
            gateway,
            "src/Gateway Release (Gateway.dll), DOTNET_gcServer=1, Redis registry, logging at Warning, no per-address upgrade limit"
                + (media ? ", calls on its media listener (Gateway:MediaPort)" : string.Empty)
                + string.Concat(overrides.Select(pair => $", {pair.Name}={pair.Value} (GATEWAY_BENCH_ENV_)")),
            new Uri($"ws://127.0.0.1:{Text(callPort)}/ws/telnyx?{UnknownQuery}"),
            new Uri($"http://127.0.0.1:{Text(port)}/metrics"));
    }

    private static IEnumerable<(string Name, string Value)> GatewayEnvironmentOverrides()
    {
        const string Prefix = "GATEWAY_BENCH_ENV_";
        foreach (System.Collections.DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && name.StartsWith(Prefix, StringComparison.Ordinal) && name.Length > Prefix.Length)
            {
                yield return (name[Prefix.Length..], entry.Value as string ?? string.Empty);
            }
        }
    }

    private async Task WaitOrExplainAsync(ChildProcess child, int port, string? errorLog, CancellationToken cancellationToken)
    {
        try
        {
            await ChildProcesses.WaitForPortAsync(child, port, StartTimeout, cancellationToken);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
        {
            var extra = errorLog is not null && File.Exists(errorLog)
                ? "\n  " + errorLog + ":\n" + string.Join('\n', (await File.ReadAllLinesAsync(errorLog, cancellationToken)).TakeLast(10).Select(l => "    " + l))
                : string.Empty;
            await _children.StopOneAsync(child);
            throw new InvalidOperationException(exception.Message + extra, exception);
        }
    }

    /// <summary>A count that a just-started server may still be growing (workers forking, threads starting).</summary>
    private static async Task<int> SettledAsync(Func<int> read, CancellationToken cancellationToken)
    {
        var last = read();
        for (var i = 0; i < 20; i++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, cancellationToken);
            var now = read();
            if (now == last && i >= 2)
            {
                return now;
            }

            last = now;
        }

        return last;
    }

    private static void RequireFile(string path, string how)
    {
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{path} is missing: build it first ({how}), or run tests/bench.sh");
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Versions of the servers, as their own -v flags print them.</summary>
internal static class ServerVersions
{
    public static string Of(string fileName, string argument, Func<string, string?> pick)
    {
        try
        {
            var start = new ProcessStartInfo(fileName, argument)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var process = Process.Start(start);
            if (process is null)
            {
                return "unknown";
            }

            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return pick(output) ?? output.Trim();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "not installed";
        }
    }
}
