using System.Globalization;
using Gateway.Core;
using Microsoft.Extensions.Configuration;

namespace Gateway.Auth;

/// <summary>
/// <c>Gateway.dll token --org acme [--ttl 1h]</c> or <c>token --platform-admin</c>: prints an admin API token signed
/// with the configured <c>Auth:SigningKey</c> (from appsettings, <c>Auth__SigningKey</c> or <c>--Auth:SigningKey=…</c>).
/// </summary>
public static class TokenCommand
{
    public const string Name = "token";

    private const string Usage = "usage: Gateway.dll token (--org <org> | --platform-admin) [--ttl <1h|30m|3600s|2d>] [--sub <subject>] [--Auth:SigningKey=<key>]";

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        string? org = null;
        var platformAdmin = false;
        var lifetime = TimeSpan.FromHours(1);
        var subject = "gateway-cli";
        var configurationArgs = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--org" when i + 1 < args.Length:
                    org = args[++i];
                    break;
                case "--platform-admin":
                    platformAdmin = true;
                    break;
                case "--ttl" when i + 1 < args.Length:
                    if (!TryParseLifetime(args[++i], out lifetime))
                    {
                        error.WriteLine($"--ttl '{args[i]}' is not a duration such as 1h, 30m, 3600s or 2d (at most {MaxLifetime.TotalDays:0}d).");
                        return 2;
                    }

                    break;
                case "--sub" when i + 1 < args.Length:
                    subject = args[++i];
                    break;
                case "--help" or "-h":
                    output.WriteLine(Usage);
                    return 0;
                default:
                    if (!args[i].StartsWith("--", StringComparison.Ordinal) || !args[i].Contains('=', StringComparison.Ordinal))
                    {
                        error.WriteLine($"unknown argument '{args[i]}'");
                        error.WriteLine(Usage);
                        return 2;
                    }

                    configurationArgs.Add(args[i]);
                    break;
            }
        }

        if ((org is null) == !platformAdmin)
        {
            error.WriteLine("give exactly one of --org <org> and --platform-admin.");
            error.WriteLine(Usage);
            return 2;
        }

        if (org is not null && !Core.ResourceNames.IsValidOrg(org))
        {
            error.WriteLine("--org must be " + Core.ResourceNames.OrgRule);
            return 2;
        }

        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .AddCommandLine([.. configurationArgs])
            .Build();
        var options = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        var problems = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();
        if (string.IsNullOrEmpty(options.SigningKey) || problems.Count > 0)
        {
            error.WriteLine(problems.Count > 0 ? problems[0].ErrorMessage : "Auth:SigningKey is not set (appsettings, Auth__SigningKey or --Auth:SigningKey=…).");
            return 1;
        }

        output.WriteLine(DevelopmentTokens.Mint(options, org, platformAdmin, lifetime, TimeProvider.System, subject));
        return 0;
    }

    /// <summary>
    /// The longest lifetime a token may be minted with: no development token should outlive ten years, and far beyond
    /// that the expiry would not even fit in a date (the mint would throw instead of refusing).
    /// </summary>
    internal static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(3650);

    internal static bool TryParseLifetime(string text, out TimeSpan lifetime)
    {
        lifetime = default;
        if (text.Length < 2 || !double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out lifetime) && lifetime > TimeSpan.Zero && lifetime <= MaxLifetime;
        }

        // Checked before converting: "1e9d", "Infinityh" or "NaNs" would make TimeSpan.FromX throw rather than refuse.
        var seconds = text[^1] switch
        {
            's' => amount,
            'm' => amount * 60,
            'h' => amount * 3600,
            'd' => amount * 86400,
            _ => double.NaN,
        };
        if (!double.IsFinite(seconds) || seconds > MaxLifetime.TotalSeconds)
        {
            return false;
        }

        lifetime = TimeSpan.FromSeconds(seconds);
        return lifetime > TimeSpan.Zero;
    }
}
