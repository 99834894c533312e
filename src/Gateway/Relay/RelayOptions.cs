using System.ComponentModel.DataAnnotations;

namespace Gateway.Relay;

public sealed class RelayOptions
{
    public const string SectionName = "Relay";

    /// <summary>One attempt to open the bot's WebSocket (TCP connect and upgrade).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan BotConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>All attempts of one call together, trying other instances when one refuses.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:02:00")]
    public TimeSpan BotConnectBudget { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest message Telnyx may send (its frames are about 300 bytes of JSON).</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int CallerMessageMaxBytes { get; set; } = 256 * 1024;

    /// <summary>Largest message a bot may send: 30 s of 16 kHz L16 audio in base64 JSON is about 1.3 MB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int BotMessageMaxBytes { get; set; } = 2 * 1024 * 1024;

    /// <summary>
    /// Threads of the gateway's own (epoll loops, on Linux) that the media listener's connections and every bot hop wait
    /// on; unset: one per processor. 0 hands them to .NET's socket engine instead (as on every other system).
    /// </summary>
    [Range(0, 256)]
    public int? EventLoops { get; set; }

    /// <summary>After one side closes, how long the other may take to finish its close handshake.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// WebSocket pings on both legs to find peers that vanished without a TCP reset. Zero turns them off.
    /// Pings are control frames: they never mix with the call's messages.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a ping may go unanswered before the leg counts as lost.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(20);
}
