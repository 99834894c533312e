using System.ComponentModel.DataAnnotations;

namespace Gateway.Core;

public sealed class GatewayOptions
{
    public const string SectionName = "Gateway";

    /// <summary>This process's identity in claims, leases and session records. Default: host name and process id.</summary>
    [Required]
    [StringLength(200, MinimumLength = 1)]
    public string ReplicaId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    /// <summary>
    /// On SIGTERM, how long live calls may go on before the rest are closed with 1001. Keep Kubernetes'
    /// terminationGracePeriodSeconds above this plus the preStop sleep.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "02:00:00")]
    public TimeSpan DrainWindow { get; set; } = TimeSpan.FromSeconds(240);

    /// <summary>
    /// Where Telnyx reaches this gateway from the internet (e.g. <c>https://voice.example.com</c>): the host of the
    /// stream URLs in TeXML documents and dial-out requests, always as <c>wss://</c>. Unset: the Host of the request
    /// being answered.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>
    /// A second listener for what only the cluster should reach: the admin API, dial-out, bots' call control and
    /// <c>/metrics</c> answer on this port alone, and 404 on the public one. Null: one listener serves everything.
    /// </summary>
    [Range(1, 65535)]
    public int? AdminPort { get; set; }

    /// <summary>
    /// A listener of the gateway's own for Telnyx's media streams (<c>/ws/telnyx</c> only, plain <c>ws://</c>): the
    /// connection is the gateway's from its first byte, so each frame costs one receive and one send, as through a
    /// byte proxy, rather than a pass through Kestrel's pipes. Null: streams are served on the public listener only.
    /// </summary>
    [Range(1, 65535)]
    public int? MediaPort { get; set; }
}
