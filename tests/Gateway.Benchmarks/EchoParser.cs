using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Gateway.Benchmarks;

/// <summary>The event of a media-stream frame, in either direction.</summary>
internal enum FrameEvent
{
    Other,
    Media,
    Mark,
    Clear,
    Dtmf,
    Stop,
}

/// <summary>
/// Reads a frame's event and media payload ({"event":"media","media":{"payload":…}} and the like) without building a
/// document: one forward pass of <see cref="Utf8JsonReader"/> over the received bytes, no allocation. The simulator's
/// calls read frames into a JsonDocument instead, because they count every event by name and narrate it; the
/// benchmark's calls and its echo bot only need the event and the payload, fifty times a second on every call.
/// </summary>
internal static class EchoParser
{
    /// <summary>
    /// The frame's event, and for media the base64 payload exactly as it appears between the quotes (or copied and
    /// unescaped into <paramref name="scratch"/> in the unlikely case the sender escaped it).
    /// </summary>
    public static FrameEvent Parse(ReadOnlySpan<byte> json, Span<byte> scratch, out ReadOnlySpan<byte> payload)
    {
        payload = default;
        var kind = FrameEvent.Other;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
        var inMedia = false;
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 1)
                    {
                        inMedia = false;
                    }

                    continue;
                }

                if (reader.CurrentDepth == 1 && reader.ValueTextEquals("event"u8))
                {
                    reader.Read();
                    kind = reader.TokenType != JsonTokenType.String ? FrameEvent.Other
                        : reader.ValueTextEquals("media"u8) ? FrameEvent.Media
                        : reader.ValueTextEquals("mark"u8) ? FrameEvent.Mark
                        : reader.ValueTextEquals("clear"u8) ? FrameEvent.Clear
                        : reader.ValueTextEquals("dtmf"u8) ? FrameEvent.Dtmf
                        : reader.ValueTextEquals("stop"u8) ? FrameEvent.Stop
                        : FrameEvent.Other;
                }
                else if (reader.CurrentDepth == 1 && reader.ValueTextEquals("media"u8))
                {
                    inMedia = true;
                }
                else if (inMedia && reader.CurrentDepth == 2 && reader.ValueTextEquals("payload"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        payload = !reader.ValueIsEscaped ? reader.ValueSpan
                            : reader.ValueSpan.Length <= scratch.Length ? scratch[..reader.CopyString(scratch)]
                            : default;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
        }
        catch (JsonException)
        {
            return FrameEvent.Other;
        }

        return kind;
    }

    /// <summary>Decodes a base64 payload into <paramref name="destination"/>; false when it is not base64 or does not fit.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> base64, Span<byte> destination, out int written)
    {
        var status = Base64.DecodeFromUtf8(base64, destination, out var consumed, out written);
        return status == OperationStatus.Done && consumed == base64.Length;
    }
}
