namespace Gateway.CallSimulator;

/// <summary>Reading <c>--name value</c> options, shared by the simulator and the benchmark's command lines.</summary>
public static class CommandLine
{
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
}
