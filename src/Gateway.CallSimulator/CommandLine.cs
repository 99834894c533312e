using System.Globalization;

namespace Gateway.CallSimulator;

/// <summary>
/// Reads the option at <paramref name="i"/>, moving <paramref name="i"/> past its value when it takes one
/// (<see cref="CommandLine.TakeValue"/>); null when it was read, otherwise what is wrong with it.
/// </summary>
public delegate string? OptionReader(string name, ref int i);

/// <summary>
/// Reading <c>--name value</c> options, shared by the simulator and the benchmark's command lines: the same help
/// options, the same number formats, the same words for what is wrong and the same exit codes.
/// </summary>
public static class CommandLine
{
    /// <summary>The exit code of both programs for a command line that makes no sense.</summary>
    public const int BadArguments = 2;

    /// <summary>
    /// Reads the options in order until the first error, which it returns. <c>--help</c> or <c>-h</c> stops the reading
    /// there, whatever follows it; every other option goes to <paramref name="readOption"/>.
    /// </summary>
    public static string? ReadOptions(IReadOnlyList<string> args, OptionReader readOption, out bool helpRequested)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(readOption);
        helpRequested = false;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--help" or "-h")
            {
                helpRequested = true;
                return null;
            }

            if (readOption(name, ref i) is { } error)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>What an <see cref="OptionReader"/> says about an option it does not know.</summary>
    public static string UnknownOption(string name) => $"unknown argument '{name}'";

    /// <summary>Takes the value after the option at <paramref name="i"/>; returns an error when there is none.</summary>
    public static string? TakeValue(IReadOnlyList<string> args, ref int i, out string value)
    {
        ArgumentNullException.ThrowIfNull(args);
        var name = args[i];
        if (i + 1 >= args.Count)
        {
            value = string.Empty;
            return $"{name} needs a value";
        }

        value = args[++i];
        return null;
    }

    /// <summary>A finite number written the same way on every machine (<c>1.5</c>, <c>2e-1</c>), whatever its locale.</summary>
    public static bool TryParseNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>Digits only: no sign, no separators, no white space.</summary>
    public static bool TryParseWholeNumber(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>
    /// The answer to a command line that will not run: on help, the usage on <paramref name="output"/> and exit code 0;
    /// otherwise the error and the usage on <paramref name="errorOutput"/> and <see cref="BadArguments"/>.
    /// </summary>
    public static async Task<int> ShowUsageAsync(
        string usage,
        bool helpRequested,
        string? error,
        TextWriter output,
        TextWriter errorOutput)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errorOutput);
        if (helpRequested)
        {
            await output.WriteLineAsync(usage);
            return 0;
        }

        await errorOutput.WriteLineAsync($"error: {error}");
        await errorOutput.WriteLineAsync();
        await errorOutput.WriteLineAsync(usage);
        return BadArguments;
    }
}
