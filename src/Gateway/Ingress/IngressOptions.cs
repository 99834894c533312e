using System.ComponentModel.DataAnnotations;

namespace Gateway.Ingress;

public sealed class IngressOptions
{
    public const string SectionName = "Ingress";

    /// <summary>How long after the 101 Telnyx has to send its <c>start</c> frame.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest <c>connected</c> or <c>start</c> frame read before relaying; a bigger one closes with 1009.</summary>
    [Range(1024, 1024 * 1024)]
    public int StartFrameMaxBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Largest decoded <c>body</c> accepted before the agent is even looked up. Each agent's own
    /// <c>bodyMaxBytes</c> then applies; this cap only keeps hostile URLs from costing decode work.
    /// </summary>
    [Range(0, 16 * 1024)]
    public int BodyMaxBytes { get; set; } = 16 * 1024;

    /// <summary>
    /// Stream upgrades one remote address may start per second, refilled continuously; 0 turns the limit off. Telnyx
    /// opens streams from a few media servers, so this is a fuse against a runaway or hostile client, not a quota:
    /// keep it well above the call rate of the busiest address (behind a proxy that is the proxy's).
    /// </summary>
    [Range(0, 100_000)]
    public int UpgradesPerSecondPerAddress { get; set; } = 200;

    /// <summary>Upgrades an address may start at once above that rate.</summary>
    [Range(1, 1_000_000)]
    public int UpgradeBurstPerAddress { get; set; } = 400;
}
