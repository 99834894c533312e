using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.Benchmarks;

/// <summary>The printed header, the markdown table and the JSON file.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private const int Columns = 14;

    public static MachineInfo Machine()
    {
        var cpuModel = ReadLines("/proc/cpuinfo")
            .FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?
            .Split(':', 2)[1].Trim() ?? "unknown";
        var memoryKb = ReadLines("/proc/meminfo")
            .FirstOrDefault(line => line.StartsWith("MemTotal:", StringComparison.Ordinal))?
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var kernel = ReadLines("/proc/sys/kernel/osrelease").FirstOrDefault() ?? "unknown";
        return new MachineInfo(
            Environment.ProcessorCount,
            cpuModel,
            "Linux " + kernel.Trim(),
            ".NET " + Environment.Version,
            memoryKb is null ? 0 : long.Parse(memoryKb, CultureInfo.InvariantCulture) * 1024,
            string.Join(' ', (ReadLines("/proc/loadavg").FirstOrDefault() ?? string.Empty).Split(' ').Take(3)));
    }

    public static Dictionary<string, string> Versions() => new(StringComparer.Ordinal)
    {
        ["nginx"] = ServerVersions.Of("/usr/sbin/nginx", "-v", output => After(output, "nginx version: ")),
        ["haproxy"] = ServerVersions.Of("/usr/sbin/haproxy", "-v", output => After(output, "HAProxy version ")?.Split(' ')[0]),
        ["redis"] = ServerVersions.Of("redis-server", "--version", output => After(output, " v=")?.Split(' ')[0]),
    };

    public static string Header(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var machine = report.Machine;
        var settings = report.Settings;
        var text = new StringBuilder();
        text.AppendLine("# Gateway benchmark: loopback, direct vs nginx vs HAProxy vs gateway");
        text.AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"- date: {report.Date}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"- machine: {machine.Cores} cores, {machine.CpuModel}, {machine.MemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB, {machine.Kernel}, {machine.Runtime}; load average at start {machine.LoadAverageAtStart}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"- command: `{report.Command}`").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"- versions: nginx {report.Versions["nginx"]}, HAProxy {report.Versions["haproxy"]}, redis {report.Versions["redis"]}").AppendLine();
        var calls = settings.FramesPerSecondPerCall == 0
            ? $"{settings.Calls} idle calls (connected and start, then no media until stop)"
            : $"{settings.Calls} calls × {settings.FramesPerSecondPerCall} frames/s = {settings.Calls * settings.FramesPerSecondPerCall} media frames/s each way, {settings.PayloadBytes}-byte payloads";
        text.Append(CultureInfo.InvariantCulture, $"- load: {calls}; ramp {settings.RampSeconds:0.##} s, settle {settings.SettleSeconds:0.##} s, measured {settings.Seconds:0.##} s; "
            + $"load tool, bots and proxy share the machine").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"- bots: 2 processes, {settings.Bot}").AppendLine();
        return text.ToString();
    }

    public static string Table(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.AppendLine("| target | calls ok / failed | media frames/s achieved / scheduled | frames lost | echo RTT p50 / p99 / p99.9 (ms) | setup p50 / p99 (ms) | proxy CPU µs/frame | proxy CPU % of a core | proxy memory KiB/call: from idle warmed-up / from just started | bots CPU % | load tool CPU % | softirq CPU % | other CPU % | machine busy % |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var target in report.Targets)
        {
            if (target.Error is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"| {Label(report, target)} | could not run |{string.Concat(Enumerable.Repeat(" - |", Columns - 2))}").AppendLine();
                continue;
            }

            var window = target.Window;
            var rtt = target.EchoRoundTripMs;
            var setup = target.SetupMs;
            text.Append(CultureInfo.InvariantCulture, $"| {Label(report, target)} | {target.CallsOk} / {target.CallsFailed} | {F(target.AchievedFramesPerSecond, "0")} / {target.ScheduledFramesPerSecond:0} "
                + $"| {target.FramesLost} | {F(rtt.P50, "0.00")} / {F(rtt.P99, "0.00")} / {F(rtt.P999, "0.00")} | {F(setup.P50, "0.0")} / {F(setup.P99, "0.0")} "
                + $"| {F(window?.ProxyCpuMicrosecondsPerFrame, "0.0")} | {F(window?.ProxyCpuPercentOfCore, "0")} | {F(target.Memory?.BytesPerCallAfterWarmUp / 1024, "0.0")} / {F(target.Memory?.BytesPerCall / 1024, "0.0")} "
                + $"| {F(window?.BotsCpuPercentOfCore, "0")} | {F(window?.LoadToolCpuPercentOfCore, "0")} | {F(window?.InterruptCpuPercentOfCore, "0")} "
                + $"| {F(window?.OtherCpuPercentOfCore, "0")} | {F(window?.MachineBusyPercent, "0")} |").AppendLine();
        }

        text.AppendLine();
        if (report.Settings.FramesPerSecondPerCall == 0)
        {
            text.AppendLine("- idle calls: no media is relayed, so there is no CPU per frame nor echo time; the figures are memory per held call and set-up");
        }
        else if (report.RoundRatios.Count == 0)
        {
            AppendRatios(text, report.Ratios, string.Empty);
        }
        else
        {
            for (var round = 1; round <= report.RoundRatios.Count; round++)
            {
                var ratios = report.RoundRatios[round - 1];
                text.Append(CultureInfo.InvariantCulture, $"- round {round}: gateway-media CPU/frame ÷ nginx {Ratio(ratios.GatewayMediaCpuPerFrameOverNginx, "n/a")}, "
                    + $"added p99 ÷ nginx's {Ratio(ratios.GatewayMediaAddedP99OverNginxAddedP99, "n/a")}; gateway CPU/frame ÷ nginx {Ratio(ratios.GatewayCpuPerFrameOverNginx, "n/a")}, "
                    + $"added p99 ÷ nginx's {Ratio(ratios.GatewayAddedP99OverNginxAddedP99, "n/a")}; added p99: {AddedList(report, round)}").AppendLine();
            }

            AppendRatios(text, report.Ratios, $"median over {report.RoundRatios.Count} rounds, ");
        }

        if (report.RoundRatios.Count > 0 && report.Settings.FramesPerSecondPerCall > 0)
        {
            text.AppendLine("- added p99: a target's echo p99 − direct's in the same round; a negative one means the difference is within run-to-run noise");
        }
        else if (AddedList(report, 1) is { Length: > 0 } added)
        {
            text.Append(CultureInfo.InvariantCulture, $"- added p99 (target's echo p99 − direct's): {added}; a negative one means the difference is within run-to-run noise").AppendLine();
        }

        text.AppendLine("- proxy CPU µs/frame: utime+stime from /proc/<pid>/stat over the window, summed over every process of the "
            + "proxy, ÷ frames relayed in both directions in the window (media frames sent + echoes received); "
            + "CPU % columns are % of one core over the window (the machine has " + Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)
            + " cores); softirq CPU % = the kernel's interrupt time from /proc/stat (mostly loopback TCP work; "
            + "also inside the system time of whichever process it interrupted, so the columns overlap); "
            + "other CPU % = every process outside the benchmark (other work on the machine, kernel threads): noise; machine busy % = of all cores together (near 100: the machine is saturated and every latency with it); "
            + "proxy memory: RSS growth of the proxy's processes to the end of the window ÷ calls, from idle after the warm-up "
            + "(what each call adds) and from just started, before the first call of all (adds one-time growth: code, pools, heap); "
            + "echo RTT over every media frame of every call (the window-only figures are in the JSON)");
        foreach (var target in report.Targets)
        {
            text.Append(CultureInfo.InvariantCulture, $"- {Label(report, target)}: {(target.Round == 1 ? target.Description : "as in round 1")}").AppendLine();
            if (target.Error is not null)
            {
                text.Append(CultureInfo.InvariantCulture, $"  - could not run: {target.Error.Replace("\n", "\n    ", StringComparison.Ordinal)}").AppendLine();
                continue;
            }

            if (target.Routing is { } routing)
            {
                text.Append(CultureInfo.InvariantCulture, $"  - routing check: {(routing.Ok ? "ok" : "FAILED")}, {routing.Text}").AppendLine();
            }

            if (target.SetupStages is { Count: > 0 } stages)
            {
                var times = stages.Select(stage => string.Create(
                    CultureInfo.InvariantCulture, $"{stage.Stage} {F(stage.P50Ms, "0.00")} / {F(stage.P99Ms, "0.00")} ({stage.Count})"));
                text.Append(CultureInfo.InvariantCulture, $"  - set-up stages, p50 / p99 ms (times run), from the gateway's histogram buckets: {string.Join(", ", times)}").AppendLine();
            }

            if (target.Tail.Count > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"  - echoes slower than the p99, by second from the first call's start (ramp {report.Settings.RampSeconds:0.#} s, then settle and window): {TailSecond.Describe(target.Tail)}").AppendLine();
            }

            if (target.LoadToolGc is { } tool)
            {
                text.Append(CultureInfo.InvariantCulture, $"  - the load tool's own GC over the measured calls: {tool.Gen0} gen0, {tool.Gen1} gen1, {tool.Gen2} gen2 collections (counted in each lower one too), {tool.PausedMs:0.0} ms paused, {tool.AllocatedBytes / 1048576.0:0.0} MiB allocated").AppendLine();
            }

            if (target.Gc is { } gc)
            {
                text.Append(CultureInfo.InvariantCulture, $"  - GC over the measured calls (the gateway's runtime counters): {gc.Gen0Collections} gen0 collections, {gc.PausedMs:0.0} ms paused, {gc.AllocatedKiBPerCall:0.0} KiB allocated per call").AppendLine();
            }

            foreach (var (reason, count) in target.Failures)
            {
                text.Append(CultureInfo.InvariantCulture, $"  - failed: {count} × {reason}").AppendLine();
            }

            if (target.DuplicateEchoes > 0 || target.UnmatchedEchoes > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"  - echoes duplicated: {target.DuplicateEchoes}, matching no frame sent: {target.UnmatchedEchoes}").AppendLine();
            }
        }

        if (report.Interrupted is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"- interrupted: {report.Interrupted}").AppendLine();
        }

        return text.ToString();
    }

    private static void AppendRatios(StringBuilder text, Ratios ratios, string over)
    {
        const string NoCpu = "n/a (needs both targets)";
        const string NoP99 = "n/a (needs direct, the gateway and the proxy, with the proxy's p99 above direct's)";
        text.Append(CultureInfo.InvariantCulture, $"- **{over}gateway CPU/frame ÷ nginx CPU/frame: {Ratio(ratios.GatewayCpuPerFrameOverNginx, NoCpu)}**; "
            + $"**gateway added p99 ÷ nginx added p99: {Ratio(ratios.GatewayAddedP99OverNginxAddedP99, NoP99)}**").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"- **{over}gateway-media (the media listener) CPU/frame ÷ nginx CPU/frame: {Ratio(ratios.GatewayMediaCpuPerFrameOverNginx, NoCpu)}**; "
            + $"**gateway-media added p99 ÷ nginx added p99: {Ratio(ratios.GatewayMediaAddedP99OverNginxAddedP99, NoP99)}**").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"- {over}gateway CPU/frame ÷ HAProxy CPU/frame: {Ratio(ratios.GatewayCpuPerFrameOverHaProxy, NoCpu)}; "
            + $"gateway added p99 ÷ HAProxy added p99: {Ratio(ratios.GatewayAddedP99OverHaProxyAddedP99, NoP99)}").AppendLine();
    }

    /// <summary>Each target's echo p99 over direct's in the same round, as "nginx +2.53 ms, gateway-media +1.67 ms".</summary>
    private static string AddedList(BenchReport report, int round)
    {
        var inRound = report.Targets.Where(target => target.Round == round && target.Error is null).ToArray();
        var direct = inRound.FirstOrDefault(target => target.Name == "direct")?.EchoRoundTripMs.P99;
        return string.Join(", ", inRound
            .Where(target => target.Name != "direct")
            .Select(target => (target.Name, Added: target.EchoRoundTripMs.P99 - direct))
            .Where(pair => pair.Added is not null)
            .Select(pair => string.Create(CultureInfo.InvariantCulture, $"{pair.Name} {pair.Added:+0.00;-0.00} ms")));
    }

    private static string Label(BenchReport report, TargetResult target) =>
        report.Settings.Rounds > 1 ? string.Create(CultureInfo.InvariantCulture, $"{target.Name} ({target.Round})") : target.Name;

    /// <summary>Each ratio's median over the rounds that have it (the mean of the middle two for an even count).</summary>
    public static Ratios Median(IReadOnlyList<Ratios> rounds)
    {
        ArgumentNullException.ThrowIfNull(rounds);
        double? Of(Func<Ratios, double?> ratio)
        {
            var values = rounds.Select(ratio).OfType<double>().Order().ToArray();
            return values.Length == 0
                ? null
                : values.Length % 2 == 1 ? values[values.Length / 2] : (values[(values.Length / 2) - 1] + values[values.Length / 2]) / 2;
        }

        return new Ratios(
            Of(r => r.GatewayCpuPerFrameOverNginx), Of(r => r.GatewayAddedP99OverNginxAddedP99),
            Of(r => r.GatewayCpuPerFrameOverHaProxy), Of(r => r.GatewayAddedP99OverHaProxyAddedP99),
            Of(r => r.GatewayMediaCpuPerFrameOverNginx), Of(r => r.GatewayMediaAddedP99OverNginxAddedP99));
    }

    public static Ratios Ratios(IReadOnlyList<TargetResult> targets)
    {
        ArgumentNullException.ThrowIfNull(targets);
        var byName = targets.Where(target => target.Error is null).ToDictionary(target => target.Name, StringComparer.Ordinal);
        double? CpuRatio(string other, string gateway = "gateway") =>
            Divide(Get(byName, gateway)?.Window?.ProxyCpuMicrosecondsPerFrame, Get(byName, other)?.Window?.ProxyCpuMicrosecondsPerFrame);
        double? AddedP99Ratio(string other, string gateway = "gateway")
        {
            var direct = Get(byName, "direct")?.EchoRoundTripMs.P99;
            return Divide(
                Get(byName, gateway)?.EchoRoundTripMs.P99 - direct,
                Get(byName, other)?.EchoRoundTripMs.P99 - direct);
        }

        return new Ratios(
            CpuRatio("nginx"), AddedP99Ratio("nginx"), CpuRatio("haproxy"), AddedP99Ratio("haproxy"),
            CpuRatio("nginx", "gateway-media"), AddedP99Ratio("nginx", "gateway-media"));
    }

    public static async Task WriteJsonAsync(BenchReport report, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await using var stream = File.Create(path);
        await JsonSerializer.SerializeAsync(stream, report, Json);
    }

    private static TargetResult? Get(Dictionary<string, TargetResult> byName, string name) => byName.GetValueOrDefault(name);

    /// <summary>Null when either side is missing, or the divisor is not positive (a ratio to nothing says nothing).</summary>
    private static double? Divide(double? numerator, double? denominator) =>
        numerator is { } n && denominator is { } d && d > 0 ? n / d : null;

    private static string Ratio(double? value, string why) =>
        value is { } number && double.IsFinite(number) ? number.ToString("0.00", CultureInfo.InvariantCulture) : why;

    private static string F(double? value, string format) =>
        value is { } number && double.IsFinite(number) ? number.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string? After(string output, string marker)
    {
        var at = output.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = output[(at + marker.Length)..];
        var end = rest.IndexOfAny(['\n', '\r']);
        return (end < 0 ? rest : rest[..end]).Trim();
    }

    private static string[] ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
