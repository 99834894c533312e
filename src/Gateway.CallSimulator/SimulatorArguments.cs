namespace Gateway.CallSimulator;

/// <summary>The command line of the simulator.</summary>
internal sealed record SimulatorArguments(
    Uri Url,
    TimeSpan Duration,
    int Calls,
    TimeSpan Ramp,
    IReadOnlyDictionary<string, string> CustomParameters,
    IReadOnlyDictionary<string, string> Headers,
    bool Quiet)
{
    public const string Usage = """
        Plays simulated Telnyx media-stream calls against a WebSocket URL. Each call ends as Telnyx's do: a stop frame,
        then a close with 1000 from this side. Echoes are timed by a marker in the audio, also when the bot re-frames it.

        usage: Gateway.CallSimulator [options]
          --url <ws url>         stream URL (default ws://127.0.0.1:8080/ws/telnyx?serviceHost=support.acme)
          --seconds <n>          audio per call, in seconds (default 3)
          --calls <n>            concurrent calls (default 1)
          --ramp-seconds <n>     spread call starts over this many seconds (default 1)
          --param <name=value>   custom parameter in the start frame (repeatable)
          --header <name=value>  header on the upgrade request, e.g. x-telnyx-streaming-auth-token (repeatable)
          --quiet                print only the summary
          --help                 show this text

        exit codes: 0 every call succeeded, 1 a call failed, 2 bad arguments
        """;

    private static readonly Uri DefaultUrl = new("ws://127.0.0.1:8080/ws/telnyx?serviceHost=support.acme");

    /// <summary>Parses <paramref name="args"/>; null with an <paramref name="error"/> when they make no sense.</summary>
    public static SimulatorArguments? Parse(IReadOnlyList<string> args, out string? error, out bool helpRequested)
    {
        var url = DefaultUrl;
        var seconds = 3.0;
        var calls = 1;
        var rampSeconds = 1.0;
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var quiet = false;

        error = CommandLine.ReadOptions(args, ReadOption, out helpRequested);
        return error is null && !helpRequested
            ? new SimulatorArguments(url, TimeSpan.FromSeconds(seconds), calls, TimeSpan.FromSeconds(rampSeconds), parameters, headers, quiet)
            : null;

        string? ReadOption(string name, ref int i)
        {
            switch (name)
            {
                case "--quiet":
                    quiet = true;
                    return null;
                case "--url":
                    return CommandLine.TakeValue(args, ref i, out var urlText) ?? ParseUrl(urlText, out url);
                case "--seconds":
                    return CommandLine.TakeValue(args, ref i, out var secondsText) ?? ParsePositive(name, secondsText, out seconds);
                case "--ramp-seconds":
                    return CommandLine.TakeValue(args, ref i, out var rampText) ?? ParseNonNegative(name, rampText, out rampSeconds);
                case "--calls":
                    return CommandLine.TakeValue(args, ref i, out var callsText) ?? ParseCount(callsText, out calls);
                case "--param":
                    return CommandLine.TakeValue(args, ref i, out var parameterText) ?? AddPair(name, parameterText, parameters);
                case "--header":
                    return CommandLine.TakeValue(args, ref i, out var headerText) ?? AddPair(name, headerText, headers);
                default:
                    return CommandLine.UnknownOption(name);
            }
        }
    }

    private static string? ParseUrl(string text, out Uri url)
    {
        if (Uri.TryCreate(text, UriKind.Absolute, out var parsed) && parsed.Scheme is "ws" or "wss")
        {
            url = parsed;
            return null;
        }

        url = DefaultUrl;
        return $"--url must be an absolute ws:// or wss:// URL, not '{text}'";
    }

    private static string? ParsePositive(string name, string text, out double value) =>
        CommandLine.TryParseNumber(text, out value) && value > 0
            ? null
            : $"{name} must be a positive number of seconds, not '{text}'";

    private static string? ParseNonNegative(string name, string text, out double value) =>
        CommandLine.TryParseNumber(text, out value) && value >= 0
            ? null
            : $"{name} must be zero or a positive number of seconds, not '{text}'";

    private static string? ParseCount(string text, out int value) =>
        CommandLine.TryParseWholeNumber(text, out value) && value >= 1
            ? null
            : $"--calls must be a whole number of at least 1, not '{text}'";

    private static string? AddPair(string option, string text, Dictionary<string, string> pairs)
    {
        var separator = text.IndexOf('=', StringComparison.Ordinal);
        if (separator <= 0)
        {
            return $"{option} must look like name=value, not '{text}'";
        }

        pairs[text[..separator]] = text[(separator + 1)..];
        return null;
    }
}
