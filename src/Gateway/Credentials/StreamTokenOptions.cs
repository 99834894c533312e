using System.ComponentModel.DataAnnotations;

namespace Gateway.Credentials;

public sealed class StreamTokenOptions
{
    public const string SectionName = "StreamTokens";

    /// <summary>How long a token the gateway signs stays valid: Telnyx opens the stream within seconds of fetching the TeXML.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromSeconds(120);
}
