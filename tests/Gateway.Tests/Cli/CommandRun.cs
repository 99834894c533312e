using Gateway.Cli;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Cli;

/// <summary>What one run of a Gateway.dll command printed and exited with.</summary>
public sealed record CommandRun(int ExitCode, string Output, string Error)
{
    /// <summary>
    /// Runs <c>Gateway.dll {args}</c> in-process, as Program does, with an environment that holds only
    /// <paramref name="environment"/> (by default the tests' signing key, so admin commands mint their own token).
    /// </summary>
    public static async Task<CommandRun> RunAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        environment ??= new Dictionary<string, string> { ["Auth__SigningKey"] = AdminTokens.SigningKey };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await GatewayCommands.RunAsync(args, output, error, name => environment.GetValueOrDefault(name));
        return new CommandRun(code, output.ToString().ReplaceLineEndings("\n"), error.ToString().ReplaceLineEndings("\n"));
    }
}
