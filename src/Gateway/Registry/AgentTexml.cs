using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Registry;

/// <summary>
/// An agent's TeXML settings: the <c>&lt;Stream&gt;</c> attributes Telnyx is told to use, what the bot's body carries,
/// and what the call does when the stream ends or fails.
/// </summary>
public sealed record AgentTexml
{
    public AgentTexml()
    {
    }

    /// <summary>The JSON constructor; an omitted field takes its default (see <see cref="AgentResource"/>).</summary>
    [JsonConstructor]
    public AgentTexml(
        string codec = "PCMU",
        string track = "inbound_track",
        string bidirectionalCodec = "PCMU",
        int bidirectionalSamplingRate = 8000,
        IReadOnlyDictionary<string, string>? parameters = null,
        JsonElement? body = null,
        IReadOnlyList<string>? bodyFields = null,
        string? fallback = null)
    {
        Codec = codec;
        Track = track;
        BidirectionalCodec = bidirectionalCodec;
        BidirectionalSamplingRate = bidirectionalSamplingRate;
        Parameters = parameters ?? new Dictionary<string, string>();
        Body = body;
        BodyFields = bodyFields ?? [];
        Fallback = fallback;
    }

    /// <summary>Codec of the audio Telnyx streams to the bot (<c>codec</c>).</summary>
    public string Codec { get; init; } = "PCMU";

    /// <summary><c>inbound_track</c>, <c>outbound_track</c> or <c>both_tracks</c>.</summary>
    public string Track { get; init; } = "inbound_track";

    /// <summary>Codec of the audio the bot sends back (<c>bidirectionalCodec</c>; the mode is always <c>rtp</c>).</summary>
    public string BidirectionalCodec { get; init; } = "PCMU";

    public int BidirectionalSamplingRate { get; init; } = 8000;

    /// <summary><c>&lt;Parameter&gt;</c>s: they reach the bot in the start frame's <c>custom_parameters</c>.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>A JSON object every call's body starts from.</summary>
    public JsonElement? Body { get; init; }

    /// <summary>Fields of Telnyx's TeXML request (<c>From</c>, <c>To</c>, <c>CallSid</c>, …) copied into the body.</summary>
    public IReadOnlyList<string> BodyFields { get; init; } = [];

    /// <summary>TeXML verbs after <c>&lt;/Connect&gt;</c>, run when the stream ends or fails (e.g. <c>&lt;Dial&gt;</c> to a human).</summary>
    public string? Fallback { get; init; }
}
