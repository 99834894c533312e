using Gateway.CallSimulator;

namespace Gateway.Benchmarks;

/// <summary>Everything one run measured; serialized whole into the JSON file.</summary>
internal sealed record BenchReport(
    string Date,
    MachineInfo Machine,
    string Command,
    IReadOnlyDictionary<string, string> Versions,
    BenchSettings Settings,
    IReadOnlyList<TargetResult> Targets,
    Ratios Ratios,
    string? Interrupted)
{
    /// <summary>
    /// Each round's own ratios, in order, when the run had more than one (<see cref="Ratios"/> is then their median,
    /// each ratio over the rounds that have it); empty for a run of one round, whose ratios are <see cref="Ratios"/>.
    /// </summary>
    public IReadOnlyList<Ratios> RoundRatios { get; init; } = [];
}

internal sealed record MachineInfo(int Cores, string CpuModel, string Kernel, string Runtime, long MemoryBytes, string LoadAverageAtStart);

internal sealed record BenchSettings(
    int Calls,
    double Seconds,
    double RampSeconds,
    double SettleSeconds,
    int PayloadBytes,
    int FramesPerSecondPerCall,
    string Bot,
    bool Quick,
    IReadOnlyList<string> Targets,
    int Rounds = 1);

/// <summary>One target's figures; <see cref="Error"/> set (and the figures null) when it could not run at all.</summary>
internal sealed record TargetResult(
    string Name,
    string Description,
    string? Error,
    string? Url,
    int CallsOk,
    int CallsFailed,
    IReadOnlyDictionary<string, int> Failures,
    string? WarmUp,
    long MediaFramesSent,
    long EchoesReceived,
    long FramesLost,
    long DuplicateEchoes,
    long UnmatchedEchoes,
    double ScheduledFramesPerSecond,
    double? AchievedFramesPerSecond,
    double? EchoesPerSecond,
    Percentiles EchoRoundTripMs,
    Percentiles EchoRoundTripWindowMs,
    Percentiles SetupMs,
    WindowMeasure? Window,
    ProxyMemory? Memory)
{
    /// <summary>Which pass over the targets this was, from 1 (see <see cref="BenchOptions.Rounds"/>).</summary>
    public int Round { get; init; } = 1;

    /// <summary>Whether an unknown serviceHost is refused; null for direct, which has nothing to route.</summary>
    public RoutingCheck? Routing { get; init; }

    /// <summary>The gateway's own timing of its set-up stages over the measured calls; null for the others.</summary>
    public IReadOnlyList<SetupStageTime>? SetupStages { get; init; }

    /// <summary>The load tool's own collections over the measured calls: a pause of its delays every call's echoes alike.</summary>
    public LoadToolGc? LoadToolGc { get; init; }

    /// <summary>The seconds of the run holding most of the echoes slower than the p99, the most first.</summary>
    public IReadOnlyList<TailSecond> Tail { get; init; } = [];

    /// <summary>The gateway's GC over the measured calls; null for the others, and for a build that does not export it.</summary>
    public GcTimes? Gc { get; init; }
}

/// <summary>The outcome of the unknown-agent probe.</summary>
internal sealed record RoutingCheck(bool Ok, string Text);

/// <summary>Nearest-rank percentiles in milliseconds; null without samples.</summary>
internal sealed record Percentiles(long Samples, double? P50, double? P99, double? P999, double? Max)
{
    public static readonly Percentiles None = new(0, null, null, null, null);

    /// <summary>From durations in timestamp ticks; sorts <paramref name="ticks"/> in place.</summary>
    public static Percentiles FromTicks(long[] ticks, long frequency)
    {
        ArgumentNullException.ThrowIfNull(ticks);
        if (ticks.Length == 0)
        {
            return None;
        }

        Array.Sort(ticks);
        double Ms(long value) => value * 1000.0 / frequency;
        // The simulator's rule on ticks sorted once, in place: LoadSummary.Percentile sorts a copy for every percentile,
        // which over a run's hundreds of thousands of round trips would be four sorts instead of one.
        double At(double percent) => Ms(ticks[LoadSummary.NearestRank(ticks.Length, percent)]);

        return new Percentiles(ticks.Length, At(50), At(99), At(99.9), Ms(ticks[^1]));
    }
}

/// <summary>What /proc said over the steady window, when every call was streaming.</summary>
internal sealed record WindowMeasure(
    double Seconds,
    long MediaFramesSent,
    long EchoesReceived,
    long FramesRelayed,
    double? ProxyCpuSeconds,
    double? ProxyCpuPercentOfCore,
    double? ProxyCpuMicrosecondsPerFrame,
    IReadOnlyList<int> ProxyPids,
    double BotsCpuPercentOfCore,
    double RedisCpuPercentOfCore,
    double LoadToolCpuPercentOfCore,
    double MachineBusyPercent,
    double InterruptCpuPercentOfCore,
    double OtherCpuPercentOfCore);

/// <summary>
/// Resident memory of the proxy's processes: as started (before the first call), idle after the warm-up, and at the end
/// of the steady window. <see cref="BytesPerCall"/> is from the first; <see cref="BytesPerCallAfterWarmUp"/> leaves out
/// one-time growth, and for a garbage-collected heap also memory the warm-up's calls left committed. The table shows both.
/// </summary>
internal sealed record ProxyMemory(
    long BaselineRssBytes,
    long WarmedUpRssBytes,
    long SteadyRssBytes,
    double BytesPerCall,
    double BytesPerCallAfterWarmUp);

/// <summary>
/// The headline comparisons, of the gateway's public listener and of its media listener (<c>gateway-media</c>); null
/// when a target they need did not run.
/// </summary>
internal sealed record Ratios(
    double? GatewayCpuPerFrameOverNginx,
    double? GatewayAddedP99OverNginxAddedP99,
    double? GatewayCpuPerFrameOverHaProxy,
    double? GatewayAddedP99OverHaProxyAddedP99,
    double? GatewayMediaCpuPerFrameOverNginx = null,
    double? GatewayMediaAddedP99OverNginxAddedP99 = null);

/// <summary>The load tool's collections (its own process) and the time they paused it.</summary>
internal sealed record LoadToolGc(int Gen0, int Gen1, int Gen2, double PausedMs, long AllocatedBytes)
{
    public static LoadToolGc Now() => new(
        GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: true));

    public static LoadToolGc operator -(LoadToolGc after, LoadToolGc before)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(before);
        return new(
            after.Gen0 - before.Gen0, after.Gen1 - before.Gen1, after.Gen2 - before.Gen2, after.PausedMs - before.PausedMs, after.AllocatedBytes - before.AllocatedBytes);
    }
}
