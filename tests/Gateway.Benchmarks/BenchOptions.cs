using System.Globalization;
using Gateway.CallSimulator;

namespace Gateway.Benchmarks;

/// <summary>The benchmark's command line.</summary>
internal sealed record BenchOptions(
    int Calls,
    double Seconds,
    double RampSeconds,
    int PayloadBytes,
    IReadOnlyList<string> Targets,
    string? JsonPath,
    bool Quick,
    string Bot,
    bool KeepTemp,
    string? RepositoryRoot,
    bool Idle = false,
    int Rounds = 1)
{
    public const string Usage = """
        Benchmarks the gateway against nginx, HAProxy and a direct connection to the bots, on loopback, in one run.
        Starts a private redis-server, two echo bots, then each target in turn; drives simulated Telnyx calls
        (connected, start, 20 ms PCMU media frames at 50 frames/s per call, each echoed by the bot, stop) and prints a
        markdown table. Normally run as `bash tests/bench.sh [options]`, which installs and builds what it needs.

        usage: Gateway.Benchmarks [options]
          --calls <n>            concurrent calls per target (default 400)
          --seconds <s>          measured steady state: seconds during which every call streams (default 30)
          --ramp-seconds <s>     call starts spread over this many seconds before it (default 5)
          --payload-bytes <b>    audio bytes per media frame, at least 4 (default 160: 20 ms of 8 kHz PCMU)
          --targets <list>       comma-separated, in order: direct,nginx,haproxy,gateway,gateway-media (default all)
          --rounds <n>           run the targets n times in turn (default 1); the ratios are given for each round,
                                 where every target ran minutes apart from the others, and as their median
          --json <path>          full results (default artifacts/bench/bench-<timestamp>.json)
          --bot <lean|sample>    lean: this tool's allocation-free echo bot (default); sample: src/Gateway.SampleBot
          --idle                 connected calls that send no media after start (the memory an idle call holds;
                                 no frames are relayed, so CPU per frame and echo times are empty)
          --keep-temp            keep the temporary directory (configs, logs) even when everything went well
          --repo <dir>           repository root whose Release builds to run (default: found above this program)
          --quick                CI smoke: 10 calls, 3 s, 1 s ramp (explicit options still win); exits 1 on any
                                 failed call, lost frame or failed routing check
          --help                 show this text

          bot --port <n>         (internal) run one echo bot on 127.0.0.1:<n>

        Each call starts on the ramp and streams until the end of the measured window, which opens one second after
        the ramp. CPU and memory are read from /proc over that window; the echo round trip is over every frame.
        exit codes: 0 done (failed calls are reported, not fatal), 1 a target could not run at all (or, with --quick,
        a call failed, a frame was lost or a routing check failed), 2 bad arguments, 130 interrupted
        """;

    public static readonly IReadOnlyList<string> AllTargets = ["direct", "nginx", "haproxy", "gateway", "gateway-media"];

    /// <summary>Parses <paramref name="args"/>; null with an <paramref name="error"/> when they make no sense.</summary>
    public static BenchOptions? Parse(IReadOnlyList<string> args, out string? error, out bool helpRequested)
    {
        ArgumentNullException.ThrowIfNull(args);
        int? calls = null;
        double? seconds = null;
        double? ramp = null;
        var payload = 160;
        IReadOnlyList<string> targets = AllTargets;
        string? json = null;
        var quick = false;
        var bot = "lean";
        var keepTemp = false;
        var idle = false;
        var rounds = 1;
        string? repository = null;

        error = CommandLine.ReadOptions(args, ReadOption, out helpRequested);
        if (error is not null || helpRequested)
        {
            return null;
        }

        // --quick sets the small run; an explicit option still wins.
        return new BenchOptions(
            calls ?? (quick ? 10 : 400),
            seconds ?? (quick ? 3 : 30),
            ramp ?? (quick ? 1 : 5),
            payload,
            targets,
            json,
            quick,
            bot,
            keepTemp,
            repository,
            idle,
            rounds);

        string? ReadOption(string name, ref int i)
        {
            switch (name)
            {
                case "--quick":
                    quick = true;
                    return null;
                case "--idle":
                    idle = true;
                    return null;
                case "--keep-temp":
                    keepTemp = true;
                    return null;
                case "--calls":
                    return CommandLine.TakeValue(args, ref i, out var callsText) ?? ParseCount(name, callsText, 1, 5000, out calls);
                case "--seconds":
                    return CommandLine.TakeValue(args, ref i, out var secondsText) ?? ParseSeconds(name, secondsText, 0.5, out seconds);
                case "--ramp-seconds":
                    return CommandLine.TakeValue(args, ref i, out var rampText) ?? ParseSeconds(name, rampText, 0, out ramp);
                case "--payload-bytes":
                    return CommandLine.TakeValue(args, ref i, out var payloadText) ?? ParseInt(name, payloadText, AudioPattern.MinimumBytes, 65_536, out payload);
                case "--rounds":
                    return CommandLine.TakeValue(args, ref i, out var roundsText) ?? ParseInt(name, roundsText, 1, 20, out rounds);
                case "--targets":
                    return CommandLine.TakeValue(args, ref i, out var targetsText) ?? ParseTargets(targetsText, out targets);
                case "--json":
                    var jsonError = CommandLine.TakeValue(args, ref i, out var jsonText);
                    json = jsonText;
                    return jsonError;
                case "--bot":
                    return CommandLine.TakeValue(args, ref i, out bot) ?? (bot is "lean" or "sample" ? null : $"--bot must be lean or sample, not '{bot}'");
                case "--repo":
                    var repositoryError = CommandLine.TakeValue(args, ref i, out var repositoryText);
                    repository = repositoryText;
                    return repositoryError;
                default:
                    return CommandLine.UnknownOption(name);
            }
        }
    }

    private static string? ParseInt(string name, string text, int minimum, int maximum, out int value) =>
        CommandLine.TryParseWholeNumber(text, out value) && value >= minimum && value <= maximum
            ? null
            : $"{name} must be a whole number from {minimum} to {maximum}, not '{text}'";

    private static string? ParseCount(string name, string text, int minimum, int maximum, out int? value)
    {
        var error = ParseInt(name, text, minimum, maximum, out var parsed);
        value = parsed;
        return error;
    }

    private static string? ParseSeconds(string name, string text, double minimum, out double? value)
    {
        value = CommandLine.TryParseNumber(text, out var parsed) && parsed >= minimum && parsed <= 3600 ? parsed : null;
        return value is null
            ? $"{name} must be a number of seconds from {minimum.ToString(CultureInfo.InvariantCulture)} to 3600, not '{text}'"
            : null;
    }

    private static string? ParseTargets(string text, out IReadOnlyList<string> targets)
    {
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => name.ToLowerInvariant())
            .ToArray();
        targets = names;
        if (names.Length == 0)
        {
            return $"--targets needs at least one of {string.Join(',', AllTargets)}";
        }

        var unknown = names.FirstOrDefault(name => !AllTargets.Contains(name));
        if (unknown is not null)
        {
            return $"--targets: unknown target '{unknown}' (known: {string.Join(',', AllTargets)})";
        }

        return names.Distinct().Count() == names.Length ? null : "--targets names a target twice";
    }
}
