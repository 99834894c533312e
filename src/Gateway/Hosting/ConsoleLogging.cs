using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Gateway.Hosting;

/// <summary>
/// Console logs in the format configuration names: <c>Logging:Console:FormatterName</c> = <c>simple</c> (the
/// default), <c>json</c> (one JSON object per line, for log collectors) or <c>systemd</c>.
/// </summary>
internal static class ConsoleLogging
{
    private const string Section = "Logging:Console";

    public static ILoggingBuilder AddGatewayConsole(this ILoggingBuilder logging, IConfiguration configuration)
    {
        // CreateSlimBuilder adds the console logger through AddSimpleConsole, which pins FormatterName to "simple"
        // after the configuration is bound: Logging:Console:FormatterName=json was silently ignored. AddConsole
        // registers all three formatters (it adds only what is missing); binding the section again afterwards lets
        // the configured name win over the pin.
        logging.AddConsole();
        logging.Services.Configure<ConsoleLoggerOptions>(configuration.GetSection(Section));

        // A call's lines carry its session, org and agent as a logging scope: the JSON formatter writes scopes only
        // when asked, so it is asked unless configuration says otherwise.
        logging.Services.Configure<JsonConsoleFormatterOptions>(options =>
            options.IncludeScopes = configuration.GetValue($"{Section}:FormatterOptions:IncludeScopes", defaultValue: true));
        return logging;
    }
}
