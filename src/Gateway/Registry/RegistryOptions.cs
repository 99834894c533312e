using System.ComponentModel.DataAnnotations;

namespace Gateway.Registry;

public sealed class RegistryOptions
{
    public const string SectionName = "Registry";

    /// <summary>
    /// JSON file of agents written at start-up when they are not in the registry yet (never overwriting).
    /// Relative paths are resolved against the content root. Empty (the default): no seeding. Seeding is opt-in so that a
    /// production replica never writes the demo agent; <c>dotnet run</c> opts in (appsettings.Development.json).
    /// </summary>
    public string? SeedFile { get; set; } = string.Empty;

    /// <summary>Full reload from Redis, the backstop behind pub/sub change notices.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ResyncInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How soon to retry when Redis could not be read (start-up, outage).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);
}
