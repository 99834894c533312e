using System.CommandLine;
using Gateway.Auth;

namespace Gateway.Cli;

/// <summary>
/// Gateway.dll's commands. With none, the binary runs the gateway (Program); with <c>--help</c>, <c>token</c>,
/// <c>admin …</c> or <c>texml …</c> it runs that command and exits, never starting a server. <c>token</c> keeps its own
/// parser (it passes <c>--Auth:SigningKey=…</c> on to configuration); the rest are System.CommandLine's.
/// </summary>
public static class GatewayCommands
{
    private static readonly string[] HelpOptions = ["--help", "-h", "-?", "help", "--version"];

    /// <summary>Whether <paramref name="args"/> name a command rather than the gateway's own configuration.</summary>
    public static bool Handles(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        return args.Length > 0 && (args[0] is TokenCommand.Name or "admin" or "texml" || HelpOptions.Contains(args[0]));
    }

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, Func<string, string?>? environment = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && args[0] == TokenCommand.Name)
        {
            return TokenCommand.Run(args[1..], output, error);
        }

        var root = new RootCommand("""
            Telnyx voice gateway. With no command it runs the gateway: configuration as --Key=value or environment
            variables (e.g. --urls http://0.0.0.0:8080 --ConnectionStrings:Redis=redis:6379); see the README.
            """);
        var token = new Command(TokenCommand.Name, "Mint an admin API token with Auth:SigningKey (Gateway.dll token --help)");
        root.Subcommands.Add(token);
        root.Subcommands.Add(AdminCommands.Create(output, error, environment ?? Environment.GetEnvironmentVariable));
        root.Subcommands.Add(TexmlSignCommand.Create(output, error, time ?? TimeProvider.System));

        var parse = root.Parse(args[0] == "help" ? ["--help", .. args[1..]] : args);
        if (parse.Errors.Count > 0)
        {
            foreach (var problem in parse.Errors)
            {
                await error.WriteLineAsync($"error: {problem.Message}");
            }

            await error.WriteLineAsync("Run with --help for usage.");
            return ExitCodes.Usage;
        }

        var invocation = new InvocationConfiguration { Output = output, Error = error };
        return await parse.InvokeAsync(invocation);
    }
}
