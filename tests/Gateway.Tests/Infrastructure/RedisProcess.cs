using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// One redis-server process (a data node or, with <c>--sentinel</c>, a sentinel) on its own free loopback port:
/// started and waited for until it answers PING, killed as a crash would (SIGKILL), paused as a hung or
/// descheduled host would be (SIGSTOP/SIGCONT), and started again on the same port.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private const int SigCont = 18;
    private const int SigStop = 19;

    /// <summary>Every process still running, killed when the test host exits in case a test's dispose never ran.</summary>
    private static readonly ConcurrentDictionary<RedisProcess, bool> Live = new();

    private readonly IReadOnlyList<string> _arguments;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    static RedisProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var process in Live.Keys)
        {
            process.KillNow();
        }
    };

    private RedisProcess(int port, IReadOnlyList<string> arguments)
    {
        Port = port;
        _arguments = arguments;
    }

    public int Port { get; }

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Its last lines of log (redis-server logs to stdout), for failure messages.</summary>
    public string RecentOutput => string.Join(Environment.NewLine, _output);

    /// <summary>
    /// Starts redis-server with <paramref name="arguments"/> (given the port it will listen on) followed by the port,
    /// a loopback-only bind and no protected mode. The port was free when chosen but another process may take it before
    /// redis binds it, so a start that exits at once is tried again on another port (and with fresh arguments).
    /// </summary>
    public static async Task<RedisProcess> StartAsync(Func<int, IEnumerable<string>> arguments)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var process = new RedisProcess(port, [.. arguments(port), "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--protected-mode", "no"]);
            if (await process.StartProcessAsync())
            {
                return process;
            }

            await process.DisposeAsync();
            if (attempt == 3)
            {
                throw new InvalidOperationException($"redis-server exited at start three times; last output:{Environment.NewLine}{process.RecentOutput}");
            }
        }
    }

    /// <summary>A loopback port nothing listens on now (for redis ports and cluster bus ports alike).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGKILL, as a crash would: no shutdown, no goodbye to replicas, sentinels or cluster peers.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        KillNow();
        await process.WaitForExitAsync();
        process.Dispose();
        _process = null;
        Live.TryRemove(this, out _);
    }

    /// <summary>Starts it again on the same port with the same arguments, empty (nothing is kept on disk); kills it first if it runs.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        if (!await StartProcessAsync())
        {
            throw new InvalidOperationException($"redis-server did not start again on port {Port}:{Environment.NewLine}{RecentOutput}");
        }
    }

    /// <summary>SIGSTOP: the process keeps its sockets open but answers nothing, as a hung host would. Returns once it is stopped.</summary>
    public Task PauseAsync() => SignalAsync(SigStop, stopped: true);

    /// <summary>SIGCONT: it answers again, including whatever piled up while it was paused.</summary>
    public Task ResumeAsync() => SignalAsync(SigCont, stopped: false);

    public async ValueTask DisposeAsync() => await KillAsync();

    /// <summary>libc's kill(2): .NET can send SIGKILL (Process.Kill) but no other signal.</summary>
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    private async Task<bool> StartProcessAsync()
    {
        var executable = Environment.GetEnvironmentVariable("REDIS_SERVER") ?? "redis-server";
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process = process;
        Live.TryAdd(this, true);
        process.OutputDataReceived += (_, e) => Record(e.Data);
        process.ErrorDataReceived += (_, e) => Record(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + Wait.Timeout;
        while (!process.HasExited)
        {
            try
            {
                if ((string?)await RedisProbe.ExecuteAsync(EndPoint, "PING") == "PONG")
                {
                    return true;
                }
            }
            catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                await KillAsync();
                throw new TimeoutException($"redis-server on port {Port} did not answer PING:{Environment.NewLine}{RecentOutput}");
            }

            await Task.Delay(20);
        }

        await KillAsync();
        return false;
    }

    private async Task SignalAsync(int signal, bool stopped)
    {
        var pid = _process?.Id ?? throw new InvalidOperationException($"redis-server on port {Port} is not running");
        if (SendSignal(pid, signal) != 0)
        {
            throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        // The signal is delivered asynchronously; /proc/<pid>/stat says when it took effect (state T = stopped).
        await Wait.UntilAsync(async () => (await StateAsync(pid) == 'T') == stopped, $"redis-server {pid} is {(stopped ? "stopped" : "running again")}");
    }

    private static async Task<char> StateAsync(int pid)
    {
        var stat = await File.ReadAllTextAsync($"/proc/{pid}/stat");
        return stat[stat.LastIndexOf(')') + 2];
    }

    private void KillNow()
    {
        try
        {
            if (_process is { HasExited: false } process)
            {
                // SIGKILL (what Process.Kill sends on Linux) works on a stopped process too, so a paused server needs
                // no SIGCONT first. The tree, because a master may have a fork child streaming a snapshot to a replica.
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited in between.
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 100)
        {
            _output.TryDequeue(out _);
        }
    }
}
