using System.Text.Json;

namespace Gateway.SampleBot;

/// <summary>The call data a Pipecat bot takes from Telnyx's start frame.</summary>
internal sealed record TelnyxCall(string StreamId, string CallControlId, string From, string To, string Encoding)
{
    /// <summary>
    /// Pipecat's rule: a message is Telnyx's when it has a top-level stream_id and a start object with a
    /// call_control_id. The event name is deliberately not checked, to match.
    /// </summary>
    public static TelnyxCall? Detect(JsonElement message)
    {
        if (message.ValueKind != JsonValueKind.Object
            || NonEmptyString(message, "stream_id") is not { } streamId
            || !message.TryGetProperty("start", out var start)
            || start.ValueKind != JsonValueKind.Object
            || NonEmptyString(start, "call_control_id") is not { } callControlId)
        {
            return null;
        }

        var encoding = start.TryGetProperty("media_format", out var format) && format.ValueKind == JsonValueKind.Object
            ? NonEmptyString(format, "encoding")
            : null;
        return new TelnyxCall(
            streamId,
            callControlId,
            NonEmptyString(start, "from") ?? string.Empty,
            NonEmptyString(start, "to") ?? string.Empty,
            encoding ?? "(unspecified)");
    }

    private static string? NonEmptyString(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && value.GetString() is { Length: > 0 } text
                ? text
                : null;
}
