using System.Diagnostics;
using System.Net.Sockets;

namespace Gateway.Benchmarks;

/// <summary>A server this run started, with its output captured in a log file of the run's temporary directory.</summary>
internal sealed class ChildProcess(string name, Process process, string logPath, StreamWriter log)
{
    public string Name { get; } = name;

    public Process Process { get; } = process;

    public int Pid { get; } = process.Id;

    public string LogPath { get; } = logPath;

    public StreamWriter Log { get; } = log;

    public bool HasExited
    {
        get
        {
            try
            {
                return Process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    /// <summary>The last lines of its log, to explain why it failed.</summary>
    public string Tail(int lines = 15)
    {
        lock (Log)
        {
            Log.Flush();
        }

        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return string.Join('\n', all.TakeLast(lines).Select(line => "    " + line));
        }
        catch (IOException)
        {
            return "    (no log)";
        }
    }
}

/// <summary>
/// Every process the benchmark starts, so that each is stopped on every way out: normal end, exception, Ctrl+C or
/// SIGTERM (the run unwinds and stops them; if it hangs, a watchdog calls <see cref="KillAll"/>), even the process
/// exiting under it.
/// </summary>
internal sealed class ChildProcesses : IAsyncDisposable
{
    private static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(5);

    private readonly List<ChildProcess> _children = [];
    private readonly string _logDirectory;

    public ChildProcesses(string logDirectory)
    {
        _logDirectory = logDirectory;
        AppDomain.CurrentDomain.ProcessExit += (_, _) => KillAll();
    }

    public ChildProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null,
        string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? _logDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The load tool's own runtime switch is not for the servers under test; a child that wants it is given it.
        start.Environment.Remove(InlineCompletions.Variable);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var logPath = Path.Combine(_logDirectory, name + ".log");
        var log = new StreamWriter(logPath, append: true) { AutoFlush = false };
        log.WriteLine($"$ {fileName} {string.Join(' ', start.ArgumentList)}");
        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name}: {fileName} did not start");
        var child = new ChildProcess(name, process, logPath, log);
        process.OutputDataReceived += (_, line) => Write(child, line.Data);
        process.ErrorDataReceived += (_, line) => Write(child, line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_children)
        {
            _children.Add(child);
        }

        return child;
    }

    /// <summary>Waits until something accepts TCP connections on the port, or throws with the process's log.</summary>
    public static async Task WaitForPortAsync(ChildProcess child, int port, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(child);
        var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
        while (true)
        {
            if (child.HasExited)
            {
                throw new InvalidOperationException(
                    $"{child.Name} exited with code {child.Process.ExitCode} before listening on port {port}:\n{child.Tail()}");
            }

            using (var client = new TcpClient())
            {
                try
                {
                    await client.ConnectAsync("127.0.0.1", port, cancellationToken);
                    return;
                }
                catch (SocketException)
                {
                    // Not listening yet.
                }
            }

            if (TimeProvider.System.GetTimestamp() > deadline)
            {
                throw new TimeoutException(
                    $"{child.Name} did not listen on port {port} within {timeout.TotalSeconds:0} s:\n{child.Tail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System, cancellationToken);
        }
    }

    /// <summary>
    /// SIGTERM, a few seconds' grace, then SIGKILL to the process and everything it started. Waits asynchronously: the
    /// load tool completes socket (and so pipe) reads on the epoll thread, which a blocking wait here could be holding.
    /// </summary>
    public static async Task StopAsync(ChildProcess child)
    {
        ArgumentNullException.ThrowIfNull(child);
        try
        {
            if (!child.HasExited)
            {
                // nginx's workers and any other descendants, found while the parent still names them.
                var tree = ProcFs.ProcessTree(child.Pid).Where(pid => pid != child.Pid).Select(pid => (pid, Name: NameOf(pid))).ToArray();
                Native.Signal(child.Pid, Native.SigTerm);
                if (!await ExitedWithinAsync(child, GracefulStop))
                {
                    child.Process.Kill(entireProcessTree: true);
                    await ExitedWithinAsync(child, GracefulStop);
                }

                foreach (var (pid, name) in tree)
                {
                    KillIfAlive(pid, name);
                }
            }

            // Lets the output readers reach the end of the pipes before the log is closed.
            await ExitedWithinAsync(child, GracefulStop);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            lock (child.Log)
            {
                child.Log.Dispose();
            }

            child.Process.Dispose();
        }
    }

    /// <summary>Stops every process still running, the most recently started first.</summary>
    public async Task StopAllAsync()
    {
        foreach (var child in Forget())
        {
            await StopAsync(child);
        }
    }

    /// <summary>Stops one process and forgets it.</summary>
    public async Task StopOneAsync(ChildProcess child)
    {
        ArgumentNullException.ThrowIfNull(child);
        lock (_children)
        {
            if (!_children.Remove(child))
            {
                return;
            }
        }

        await StopAsync(child);
    }

    /// <summary>
    /// The last resort, when the process is exiting or a stop hangs: SIGKILL to every process and its descendants,
    /// without waiting for anything.
    /// </summary>
    public void KillAll()
    {
        foreach (var child in Forget())
        {
            try
            {
                child.Process.Kill(entireProcessTree: true);
            }
            catch (Exception exception) when (exception is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }
    }

    public ValueTask DisposeAsync() => new(StopAllAsync());

    private List<ChildProcess> Forget()
    {
        List<ChildProcess> children;
        lock (_children)
        {
            children = [.. _children];
            _children.Clear();
        }

        children.Reverse();
        return children;
    }

    private static async Task<bool> ExitedWithinAsync(ChildProcess child, TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await child.Process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return child.HasExited;
        }
    }

    private static void Write(ChildProcess child, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (child.Log)
        {
            try
            {
                child.Log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The process is being stopped; its last words are not needed.
            }
        }
    }

    private static string? NameOf(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.ProcessName;
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Kills a descendant that outlived its parent, unless its pid now names another program.</summary>
    private static void KillIfAlive(int pid, string? name)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            if (name is not null && process.ProcessName == name)
            {
                process.Kill();
            }
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException
            or System.ComponentModel.Win32Exception)
        {
            // Already gone.
        }
    }
}
