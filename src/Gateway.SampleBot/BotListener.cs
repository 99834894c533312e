namespace Gateway.SampleBot;

/// <summary>Where the bot listens when nobody said otherwise.</summary>
internal static class BotListener
{
    public const string DefaultUrl = "http://127.0.0.1:8765";

    /// <summary>
    /// True when --urls, ASPNETCORE_URLS or the port variables (which the official container images set) choose the
    /// listener, so the fallback never overrides a deliberate choice.
    /// </summary>
    public static bool IsConfigured(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["urls"])
        || !string.IsNullOrWhiteSpace(configuration["http_ports"])
        || !string.IsNullOrWhiteSpace(configuration["https_ports"]);
}
