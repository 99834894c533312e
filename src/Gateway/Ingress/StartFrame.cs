using System.Text.Json;

namespace Gateway.Ingress;

/// <summary>
/// What the gateway learns from Telnyx's <c>start</c> frame as it passes. Parsed once per call; every later
/// frame is relayed without being read.
/// </summary>
public sealed record StartFrame
{
    public required string StreamId { get; init; }

    public string? CallControlId { get; init; }

    public string? CallSessionId { get; init; }

    public string? From { get; init; }

    public string? To { get; init; }

    public string? Encoding { get; init; }

    /// <summary><c>start.media_format.sample_rate</c>, in hertz.</summary>
    public int? SampleRate { get; init; }

    /// <summary>TeXML <c>&lt;Parameter&gt;</c>s or Call Control <c>custom_parameters</c>, as Telnyx sends them: a name → value map.</summary>
    public IReadOnlyDictionary<string, string> CustomParameters { get; init; } = new Dictionary<string, string>();

    /// <summary>The routing key when the URL carries none: <c>serviceHost</c>, or Pipecat Cloud's <c>_pipecatCloudServiceHost</c>.</summary>
    public string? ServiceHost =>
        CustomParameters.GetValueOrDefault("serviceHost") ?? CustomParameters.GetValueOrDefault("_pipecatCloudServiceHost");

    /// <summary>Reads a frame's <c>event</c>; null when the frame is not a JSON object with a string <c>event</c>.</summary>
    public static string? ReadEvent(ReadOnlySpan<byte> frame)
    {
        try
        {
            var reader = new Utf8JsonReader(frame);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isEvent = reader.ValueTextEquals("event"u8);
                reader.Read();
                if (isEvent)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Parses a <c>start</c> frame; null when it lacks what every Telnyx start carries (<c>stream_id</c>, a <c>start</c> object).</summary>
    public static StartFrame? TryParse(ReadOnlyMemory<byte> frame)
    {
        try
        {
            using var document = JsonDocument.Parse(frame, new JsonDocumentOptions { MaxDepth = 16 });
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("stream_id", out var streamId) || streamId.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("start", out var start) || start.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            return new StartFrame
            {
                StreamId = streamId.GetString()!,
                CallControlId = StringOf(start, "call_control_id"),
                CallSessionId = StringOf(start, "call_session_id"),
                From = StringOf(start, "from"),
                To = StringOf(start, "to"),
                Encoding = start.TryGetProperty("media_format", out var format) && format.ValueKind == JsonValueKind.Object
                    ? StringOf(format, "encoding")
                    : null,
                SampleRate = format.ValueKind == JsonValueKind.Object && format.TryGetProperty("sample_rate", out var rate)
                    && rate.ValueKind == JsonValueKind.Number && rate.TryGetInt32(out var hertz)
                    ? hertz
                    : null,
                CustomParameters = ReadCustomParameters(start),
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Dictionary<string, string> ReadCustomParameters(JsonElement start)
    {
        var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
        if (start.TryGetProperty("custom_parameters", out var map) && map.ValueKind == JsonValueKind.Object)
        {
            foreach (var parameter in map.EnumerateObject())
            {
                if (parameter.Value.ValueKind == JsonValueKind.String)
                {
                    parameters[parameter.Name] = parameter.Value.GetString()!;
                }
            }
        }

        return parameters;
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
