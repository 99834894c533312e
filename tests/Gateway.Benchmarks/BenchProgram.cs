using System.Globalization;

namespace Gateway.Benchmarks;

/// <summary>The benchmark run: header, servers, each target in turn, the table and the JSON file.</summary>
internal static class BenchProgram
{
    private static readonly TimeSpan WatchdogDelay = TimeSpan.FromSeconds(30);

    public static async Task<int> RunAsync(BenchOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var repository = RepositoryRoot(options.RepositoryRoot);
        var startedAt = time.GetUtcNow();
        var command = Environment.GetEnvironmentVariable("GATEWAY_BENCH_COMMAND") is { Length: > 0 } given
            ? given
            : "Gateway.Benchmarks " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
        var jsonPath = options.JsonPath ?? Path.Combine(
            repository,
            "artifacts",
            "bench",
            $"bench-{startedAt.UtcDateTime.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}.json");
        var settings = new BenchSettings(
            options.Calls,
            options.Seconds,
            options.RampSeconds,
            TargetRun.Settle.TotalSeconds,
            options.PayloadBytes,
            options.Idle ? 0 : 50,
            options.Bot == "sample" ? "src/Gateway.SampleBot" : "lean echo bot (Gateway.Benchmarks bot)",
            options.Quick,
            options.Targets,
            options.Rounds);
        var results = new List<TargetResult>();
        var report = new BenchReport(
            startedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture),
            Report.Machine(),
            command,
            Report.Versions(),
            settings,
            results,
            new Ratios(null, null, null, null),
            null);
        Console.WriteLine(Report.Header(report));

        string? interrupted = null;
        var keepTemp = options.KeepTemp;
        var lab = new BenchLab(options, repository);
        // After a signal the run unwinds and stops every server; should that itself hang, nothing is left behind anyway.
        using var watchdog = cancellationToken.Register(() => _ = KillAfterAsync(lab, WatchdogDelay));
        try
        {
            Progress($"servers: {lab.Directory}");
            await lab.StartRedisAsync(cancellationToken);
            await lab.StartBotsAsync(cancellationToken);
            Progress($"redis-server on 127.0.0.1:{lab.RedisPort}; bots pid {string.Join(", ", lab.Bots.Select(bot => bot.Pid))}");

            var run = new TargetRun(options, lab, time, Progress);
            foreach (var (round, name) in Schedule(options))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (options.Rounds > 1 && name == options.Targets[0])
                {
                    Progress($"round {round} of {options.Rounds}");
                }

                results.Add(await RunTargetAsync(lab, run, name, cancellationToken) with { Round = round });
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            interrupted = $"stopped by a signal after {results.Count} of {options.Targets.Count * options.Rounds} targets";
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or IOException)
        {
            // Redis or the bots would not start: no target can run.
            interrupted = exception.Message;
            foreach (var (round, name) in Schedule(options).Skip(results.Count))
            {
                results.Add(TargetRun.Failed(name, "not started", "the shared servers did not start") with { Round = round });
            }
        }
        finally
        {
            await lab.DisposeAsync();
        }

        var roundRatios = results.GroupBy(result => result.Round).Select(round => Report.Ratios([.. round])).ToArray();
        report = options.Rounds == 1
            ? report with { Targets = results, Ratios = Report.Ratios(results), Interrupted = interrupted }
            : report with { Targets = results, Ratios = Report.Median(roundRatios), RoundRatios = roundRatios, Interrupted = interrupted };
        Console.WriteLine();
        Console.WriteLine(Report.Table(report));
        await Report.WriteJsonAsync(report, jsonPath);
        Console.WriteLine($"results: {Path.GetFullPath(jsonPath)}");

        var couldNotRun = results.Any(result => result.Error is not null);
        var quickProblems = options.Quick
            && results.Any(result => result.CallsFailed > 0 || result.FramesLost > 0 || result.Routing is { Ok: false });
        if (couldNotRun || quickProblems || interrupted is not null)
        {
            keepTemp = true;
        }

        if (keepTemp)
        {
            Console.WriteLine($"configs and server logs kept in {lab.Directory}");
        }
        else
        {
            TryDelete(lab.Directory);
        }

        if (interrupted is not null && cancellationToken.IsCancellationRequested)
        {
            return 130;
        }

        if (couldNotRun || interrupted is not null)
        {
            return 1;
        }

        if (quickProblems)
        {
            Console.WriteLine("quick run: a call failed, a frame was lost or a routing check failed (see above); exit 1");
            return 1;
        }

        return 0;
    }

    /// <summary>
    /// Every target of the first round, then every target of the next: each round's direct run is the baseline of that
    /// round's added latencies, taken minutes from the others rather than a whole run apart.
    /// </summary>
    private static IEnumerable<(int Round, string Name)> Schedule(BenchOptions options) =>
        Enumerable.Range(1, options.Rounds).SelectMany(round => options.Targets.Select(name => (round, name)));

    private static async Task<TargetResult> RunTargetAsync(BenchLab lab, TargetRun run, string name, CancellationToken cancellationToken)
    {
        Progress($"[{name}] starting");
        TargetHandle target;
        try
        {
            target = await lab.StartTargetAsync(name, cancellationToken);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or IOException)
        {
            Progress($"[{name}] could not start: {exception.Message}");
            return TargetRun.Failed(name, "not started", exception.Message);
        }

        try
        {
            Progress($"[{name}] {target.Description}");
            var result = await run.RunAsync(target, cancellationToken);
            Progress(result.Error is not null
                ? $"[{name}] could not run: {result.Error}"
                : string.Create(
                    CultureInfo.InvariantCulture,
                    $"[{name}] {result.CallsOk} ok, {result.CallsFailed} failed, {result.FramesLost} frames lost, echo p99 {result.EchoRoundTripMs.P99:0.00} ms"));
            return result;
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever broke, it broke this target only: the others still run and the report still comes out.
            Progress($"[{name}] could not run: {exception}");
            return TargetRun.Failed(target, $"{exception.GetType().Name}: {exception.Message}");
        }
        finally
        {
            await lab.StopTargetAsync(target);
            // Let the bots finish closing and the loopback settle before the next target.
            if (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), TimeProvider.System, CancellationToken.None);
            }
        }
    }

    private static async Task KillAfterAsync(BenchLab lab, TimeSpan delay)
    {
        await Task.Delay(delay, TimeProvider.System, CancellationToken.None);
        await Console.Error.WriteLineAsync($"still stopping after {delay.TotalSeconds:0} s: killing every server and exiting");
        lab.KillAll();
        Environment.Exit(130);
    }

    private static string RepositoryRoot(string? given)
    {
        if (given is not null)
        {
            return Path.GetFullPath(given);
        }

        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Gateway.sln")))
            {
                return directory.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private static void Progress(string line) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{TimeProvider.System.GetLocalNow():HH:mm:ss} {line}"));

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine($"could not remove {directory}: {exception.Message}");
        }
    }
}
