using System.Globalization;
using Gateway.CallSimulator;

namespace Gateway.Benchmarks;

/// <summary>
/// Drives one target: a warm-up through the simulator's own <see cref="CallRunner"/> (which also proves the route works
/// end to end: handshake, media echo, DTMF mark, close), then the measured calls on a ramp, sampling /proc at the
/// edges of the steady window, when every call is streaming.
/// </summary>
internal sealed class TargetRun(BenchOptions options, BenchLab lab, TimeProvider time, Action<string> progress)
{
    /// <summary>After the last call has started, before measuring: its setup and the first echoes settle.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    /// <summary>From the calls being ready to the first one starting.</summary>
    private static readonly TimeSpan StartLead = TimeSpan.FromMilliseconds(200);

    private const int FramesPerSecond = 50;
    private const int WarmUpAttempts = 3;

    private readonly long _frequency = time.TimestampFrequency;

    public async Task<TargetResult> RunAsync(TargetHandle target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        var proxyRoot = target.Proxy?.Pid;
        // Before the first call of any kind: the memory the calls add to, as started.
        var startedRss = proxyRoot is { } started ? Rss(ProcFs.ProcessTree(started)) : 0;
        var warmUp = await WarmUpAsync(target, cancellationToken);
        if (warmUp.Summary.CallsOk == 0)
        {
            return Failed(target, $"every warm-up call failed:\n{Indent(warmUp.Summary.ToString())}");
        }

        progress($"[{target.Name}] warm-up: {warmUp.Text}");
        var routing = await CheckRoutingAsync(target, cancellationToken);
        if (routing is not null)
        {
            progress($"[{target.Name}] routing: {routing.Text}");
        }

        // Idle again after the warm-up: a second baseline, without the one-time growth (code compiled, pools filled).
        // Whatever the proxy does after the warm-up (compiling the hot path in the background) ends before it is read.
        if (proxyRoot is { } settling)
        {
            var (idle, after) = await SettleAsync(settling, cancellationToken);
            progress(string.Create(CultureInfo.InvariantCulture, $"[{target.Name}] {(idle ? "idle after" : "not idle after")} {after.TotalSeconds:0.0} s"));
        }

        var warmRss = proxyRoot is { } root ? Rss(ProcFs.ProcessTree(root)) : 0;
        var metricsBefore = target.MetricsUrl is { } metrics ? await SetupStageTimes.ScrapeAsync(metrics, cancellationToken) : null;

        var counters = new LoadCounters();
        var calls = options.Calls;
        var ramp = TimeSpan.FromSeconds(options.RampSeconds);
        var longest = StartLead + ramp + Settle + TimeSpan.FromSeconds(options.Seconds);
        var benchCalls = new BenchCall[calls];
        for (var i = 0; i < calls; i++)
        {
            benchCalls[i] = new BenchCall(target.CallUrl(i), longest, options.PayloadBytes, counters, time, options.Idle);
        }

        // Every target's calls start from the load tool's heap as the first target's did: what earlier targets left
        // (their calls' timestamp arrays, their round trips) otherwise waits for a collection that lands in a later
        // target's window and stalls its echoes. Measured, direct run three times with nginx between: its echo p99 was
        // 1.85, then 4.24 and 3.56 ms; with this collection 2.02, 1.57 and 1.54 ms. Collected once this target's calls
        // exist: their arrays (8 MB at 400 calls) live for the whole run, and promoted now they are not what a collection
        // during the calls copies, should the calls' set-up bring one (receiving allocates nothing per frame).
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var t0 = time.GetTimestamp() + Ticks(StartLead);
        var windowStart = t0 + Ticks(ramp + Settle);
        var windowEnd = windowStart + Ticks(TimeSpan.FromSeconds(options.Seconds));

        progress(string.Create(
            CultureInfo.InvariantCulture,
            $"[{target.Name}] {calls} {(options.Idle ? "idle " : "")}calls: ramp {options.RampSeconds:0.#} s, settle {Settle.TotalSeconds:0.#} s, measure {options.Seconds:0.#} s"));
        var loadToolGc = LoadToolGc.Now();
        var launcher = LaunchAsync(benchCalls, t0, ramp, windowEnd, cancellationToken);
        var sampler = SampleWindowAsync(target, counters, windowStart, windowEnd, cancellationToken);

        // The launcher never throws: a cancelled start still starts its call, which reports itself cancelled.
        var running = await launcher;
        Sample start;
        Sample end;
        try
        {
            (start, end) = await sampler;
        }
        finally
        {
            // Whatever happened, no call is left behind.
            await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await Task.WhenAll(running);
        var loadToolGcOver = LoadToolGc.Now() - loadToolGc;
        var metricsAfter = metricsBefore is not null && target.MetricsUrl is { } scraped ? await SetupStageTimes.ScrapeAsync(scraped, cancellationToken) : null;
        var result = Summarize(target, benchCalls, warmUp.Text, (startedRss, warmRss), start, end, proxyRoot is not null);
        return result with
        {
            Tail = TailSecond.Of(benchCalls, t0, _frequency, result.EchoRoundTripMs.P99),
            LoadToolGc = loadToolGcOver,
            Routing = routing,
            SetupStages = metricsAfter is null ? null : SetupStageTimes.Between(metricsBefore!, metricsAfter),
            Gc = metricsAfter is null ? null : SetupStageTimes.GcOver(metricsBefore!, metricsAfter, calls),
        };
    }

    private async Task<(LoadSummary Summary, string Text)> WarmUpAsync(TargetHandle target, CancellationToken cancellationToken)
    {
        var runner = new CallRunner(time);
        var count = Math.Min(4, options.Calls);
        LoadSummary summary = new([]);
        for (var attempt = 1; attempt <= WarmUpAttempts; attempt++)
        {
            var reports = await Task.WhenAll(Enumerable.Range(0, count).Select(i =>
                runner.RunAsync(new CallOptions(target.CallUrl(i), TimeSpan.FromSeconds(options.Quick ? 0.5 : 1)), cancellationToken)));
            summary = new LoadSummary(reports);
            if (summary.CallsFailed == 0)
            {
                break;
            }

            // A server that has just started may still be loading (the gateway's registry from Redis, say).
            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
        }

        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"{summary.CallsOk} ok, {summary.CallsFailed} failed, {summary.FramesSent} frames sent, {summary.FramesReceived} received (CallRunner)");
        if (summary.CallsOk == 0)
        {
            return (summary, text);
        }

        // Then bursts of media calls, so that neither the load tool's code nor the proxy's runs its first thousand calls
        // cold inside the measurement (the first target would otherwise pay for both). Two bursts a second apart: .NET's
        // tiered compilation counts calls only once its start-up delay has passed, so most of the call path is promoted
        // during the second (measured: about 150 methods were still compiled during a 400-call ramp, against 6,844 after
        // a single burst).
        var warmCalls = Math.Min(options.Calls, 50);
        var warmCounters = new LoadCounters();
        var bursts = options.Quick ? 1 : 2;
        var ok = 0;
        for (var burst = 0; burst < bursts; burst++)
        {
            if (burst > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            }

            var startAt = time.GetTimestamp();
            var length = TimeSpan.FromSeconds(options.Quick ? 1 : 2);
            var endAt = startAt + Ticks(length);
            var warm = Enumerable.Range(0, warmCalls)
                .Select(i => new BenchCall(target.CallUrl(i), length, options.PayloadBytes, warmCounters, time))
                .ToArray();
            await Task.WhenAll(warm.Select(call => Task.Run(() => call.RunAsync(endAt, cancellationToken), CancellationToken.None)));
            ok += warm.Count(call => call.Error is null);
        }

        text += string.Create(
            CultureInfo.InvariantCulture,
            $"; {ok} of {warmCalls * bursts} load calls ok, {warmCounters.MediaSent} media frames, {warmCounters.EchoesReceived} echoes");
        return (summary, text);
    }

    /// <summary>
    /// Waits until the proxy's processes use at most one clock tick of CPU (10 ms, 2% of a core) over half a second; at
    /// most 20 s, after which the run goes on and says so.
    /// </summary>
    private async Task<(bool Idle, TimeSpan After)> SettleAsync(int proxyRoot, CancellationToken cancellationToken)
    {
        var began = time.GetTimestamp();
        var limit = Ticks(TimeSpan.FromSeconds(20));
        var interval = TimeSpan.FromMilliseconds(500);
        var idleTicks = Native.ClockTicksPerSecond * interval.TotalSeconds * 0.02;
        var before = Cpu(ProcFs.ProcessTree(proxyRoot));
        while (time.GetTimestamp() - began < limit)
        {
            await Task.Delay(interval, time, cancellationToken);
            var now = Cpu(ProcFs.ProcessTree(proxyRoot));
            if (now - before <= idleTicks)
            {
                return (true, time.GetElapsedTime(began));
            }

            before = now;
        }

        return (false, time.GetElapsedTime(began));
    }

    /// <summary>
    /// A call for an agent nobody serves (serviceHost=sales.acme) must be refused before the upgrade with 404, as the
    /// gateway refuses an unknown agent: proof that the proxy routes by serviceHost rather than sending everything on.
    /// </summary>
    private static async Task<RoutingCheck?> CheckRoutingAsync(TargetHandle target, CancellationToken cancellationToken)
    {
        if (target.UnknownAgentUrl is not { } url)
        {
            return null;
        }

        try
        {
            await using var client = await TelnyxCallClient.ConnectAsync(url, cancellationToken);
            client.Abort();
            return new RoutingCheck(false, "a call for unknown serviceHost sales.acme was accepted (101): not routing by serviceHost");
        }
        catch (System.Net.WebSockets.WebSocketException exception)
        {
            var status = TelnyxCallClient.RefusedStatusCode(exception);
            return status == System.Net.HttpStatusCode.NotFound
                ? new RoutingCheck(true, "a call for unknown serviceHost sales.acme is refused with 404")
                : new RoutingCheck(false, $"a call for unknown serviceHost sales.acme failed otherwise: {(status is { } code ? $"HTTP {(int)code}" : exception.Message)}");
        }
    }

    /// <summary>Starts call i at t0 + ramp·i/N; returns the calls' tasks once all have started.</summary>
    private async Task<Task[]> LaunchAsync(BenchCall[] calls, long t0, TimeSpan ramp, long endAt, CancellationToken cancellationToken)
    {
        var tasks = new List<Task>(calls.Length);
        for (var i = 0; i < calls.Length; i++)
        {
            var startAt = t0 + Ticks(ramp * i / calls.Length);
            var wait = startAt - time.GetTimestamp();
            if (wait > 0 && !cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds((double)wait / _frequency), time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Still start it: it reports itself cancelled, so every call asked for is counted.
                }
            }

            var call = calls[i];
            tasks.Add(Task.Run(() => call.RunAsync(endAt, cancellationToken), CancellationToken.None));
        }

        return [.. tasks];
    }

    private async Task<(Sample Start, Sample End)> SampleWindowAsync(
        TargetHandle target,
        LoadCounters counters,
        long windowStart,
        long windowEnd,
        CancellationToken cancellationToken)
    {
        await DelayUntilAsync(windowStart, cancellationToken);
        // nginx's workers, haproxy, the gateway: the set is fixed at the window's start and summed at both ends.
        IReadOnlyList<int> proxyPids = target.Proxy is { } proxy ? ProcFs.ProcessTree(proxy.Pid) : [];
        var start = Take(counters, proxyPids);
        await DelayUntilAsync(windowEnd, cancellationToken);
        var end = Take(counters, proxyPids);
        return (start, end);
    }

    private Sample Take(LoadCounters counters, IReadOnlyList<int> proxyPids) => new(
        time.GetTimestamp(),
        counters.Snapshot(),
        proxyPids,
        Cpu(proxyPids),
        Cpu(lab.Bots.Select(bot => bot.Pid)),
        lab.Redis is { } redis ? Cpu([redis.Pid]) : 0,
        ProcFs.CpuTicks(Environment.ProcessId) ?? 0,
        ProcFs.Machine(),
        Rss(proxyPids),
        ProcFs.AllCpuTicks());

    private TargetResult Summarize(
        TargetHandle target,
        BenchCall[] calls,
        string warmUp,
        (long Started, long Warm) baselineRss,
        Sample start,
        Sample end,
        bool hasProxy)
    {
        var failures = LoadSummary.FailuresByReason(calls.Select(call => call.Error))
            .ToDictionary(failure => failure.Reason, failure => failure.Calls, StringComparer.Ordinal);
        var mediaSent = calls.Sum(call => (long)call.MediaSent);
        var echoes = calls.Sum(call => (long)call.Echoes);

        var roundTrips = new List<long>((int)Math.Min(echoes, int.MaxValue));
        var windowRoundTrips = new List<long>();
        foreach (var call in calls)
        {
            for (var index = 0; index < call.MediaSent; index++)
            {
                var sentAt = call.SentAt(index);
                var echoAt = call.EchoAt(index);
                if (echoAt == 0)
                {
                    continue;
                }

                roundTrips.Add(echoAt - sentAt);
                if (sentAt >= start.Timestamp && sentAt < end.Timestamp)
                {
                    windowRoundTrips.Add(echoAt - sentAt);
                }
            }
        }

        var setups = calls.Where(call => call.SetupTime is not null)
            .Select(call => (long)(call.SetupTime!.Value.TotalSeconds * _frequency))
            .ToArray();

        var seconds = (double)(end.Timestamp - start.Timestamp) / _frequency;
        var frames = end.Counters - start.Counters;
        var relayed = frames.FramesSent + frames.FramesReceived;
        var ticksPerSecond = (double)Native.ClockTicksPerSecond;
        var proxyCpu = Delta(start.ProxyCpu, end.ProxyCpu) / ticksPerSecond;
        var (machineBusy, machineTotal) = (end.Machine.Busy - start.Machine.Busy, end.Machine.Total - start.Machine.Total);
        var interrupts = end.Machine.Interrupts - start.Machine.Interrupts;
        var interruptPercent = machineTotal > 0 ? 100.0 * Environment.ProcessorCount * interrupts / machineTotal : 0;
        // Every process that is not part of the benchmark: other work on the machine, kernel threads. One that started
        // during the window counts from its birth; one that ended during it is missed.
        var ours = start.ProxyPids.Concat(lab.Bots.Select(bot => bot.Pid)).Append(Environment.ProcessId)
            .Concat(lab.Redis is { } redisProcess ? [redisProcess.Pid] : [])
            .ToHashSet();
        var others = end.AllCpu.Where(pair => !ours.Contains(pair.Key))
            .Sum(pair => Math.Max(0, pair.Value - start.AllCpu.GetValueOrDefault(pair.Key)));
        var botsPercent = Percent(Delta(start.BotsCpu, end.BotsCpu) / ticksPerSecond, seconds);
        var redisPercent = Percent(Delta(start.RedisCpu, end.RedisCpu) / ticksPerSecond, seconds);
        var selfPercent = Percent(Delta(start.SelfCpu, end.SelfCpu) / ticksPerSecond, seconds);
        var window = new WindowMeasure(
            seconds,
            frames.MediaSent,
            frames.EchoesReceived,
            relayed,
            hasProxy ? proxyCpu : null,
            hasProxy ? Percent(proxyCpu, seconds) : null,
            hasProxy && relayed > 0 && !options.Idle ? proxyCpu * 1e6 / relayed : null,
            start.ProxyPids,
            botsPercent,
            redisPercent,
            selfPercent,
            machineTotal > 0 ? 100.0 * machineBusy / machineTotal : 0,
            interruptPercent,
            // Whatever else ran meanwhile (other work on the machine, the kernel's own threads): noise to know about.
            Percent(others / ticksPerSecond, seconds));
        var memory = hasProxy
            ? new ProxyMemory(
                baselineRss.Started,
                baselineRss.Warm,
                end.ProxyRss,
                (double)(end.ProxyRss - baselineRss.Started) / calls.Length,
                (double)(end.ProxyRss - baselineRss.Warm) / calls.Length)
            : null;

        return new TargetResult(
            target.Name,
            target.Description,
            null,
            target.CallUrl(0).ToString(),
            calls.Length - failures.Values.Sum(),
            failures.Values.Sum(),
            failures,
            warmUp,
            mediaSent,
            echoes,
            mediaSent - echoes,
            calls.Sum(call => (long)call.Duplicates),
            calls.Sum(call => (long)call.Unmatched),
            options.Idle ? 0 : (double)calls.Length * FramesPerSecond,
            seconds > 0 ? frames.MediaSent / seconds : null,
            seconds > 0 ? frames.EchoesReceived / seconds : null,
            Percentiles.FromTicks([.. roundTrips], _frequency),
            Percentiles.FromTicks([.. windowRoundTrips], _frequency),
            Percentiles.FromTicks(setups, _frequency),
            window,
            memory);
    }

    public static TargetResult Failed(TargetHandle target, string error)
    {
        ArgumentNullException.ThrowIfNull(target);
        return Failed(target.Name, target.Description, error);
    }

    public static TargetResult Failed(string name, string description, string error) => new(
        name,
        description,
        error,
        null,
        0,
        0,
        new Dictionary<string, int>(),
        null,
        0,
        0,
        0,
        0,
        0,
        0,
        null,
        null,
        Percentiles.None,
        Percentiles.None,
        Percentiles.None,
        null,
        null);

    private async Task DelayUntilAsync(long timestamp, CancellationToken cancellationToken)
    {
        var wait = timestamp - time.GetTimestamp();
        if (wait > 0)
        {
            await Task.Delay(TimeSpan.FromSeconds((double)wait / _frequency), time, cancellationToken);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _frequency);

    private static long Cpu(IEnumerable<int> pids) => pids.Sum(pid => ProcFs.CpuTicks(pid) ?? 0);

    private static long Rss(IEnumerable<int> pids) => pids.Sum(pid => ProcFs.RssBytes(pid) ?? 0);

    private static long Delta(long start, long end) => Math.Max(0, end - start);

    private static double Percent(double cpuSeconds, double seconds) => seconds > 0 ? 100 * cpuSeconds / seconds : 0;

    private static string Indent(string text) => string.Join('\n', text.Split('\n').Select(line => "    " + line));

    private sealed record Sample(
        long Timestamp,
        CounterSnapshot Counters,
        IReadOnlyList<int> ProxyPids,
        long ProxyCpu,
        long BotsCpu,
        long RedisCpu,
        long SelfCpu,
        MachineTicks Machine,
        long ProxyRss,
        Dictionary<int, long> AllCpu);
}
