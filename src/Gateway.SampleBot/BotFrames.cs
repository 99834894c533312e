using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.SampleBot;

/// <summary>The frames a bot sends back to Telnyx.</summary>
internal static class BotFrames
{
    // Base64 is full of '+', which the default encoder would escape; Telnyx's own examples never do.
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>{"event":"media","media":{"payload":…}} carrying the payload exactly as it arrived.</summary>
    public static byte[] Media(string base64Payload)
    {
        var buffer = new ArrayBufferWriter<byte>(base64Payload.Length + 48);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("event", "media");
            writer.WriteStartObject("media");
            writer.WriteString("payload", base64Payload);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>{"event":"mark","mark":{"name":…}}.</summary>
    public static byte[] Mark(string name)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteString("event", "mark");
            writer.WriteStartObject("mark");
            writer.WriteString("name", name);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
