using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Registry;

namespace Gateway.Texml;

/// <summary>
/// The body a TeXML document's stream URL carries: padded standard base64 of a JSON object, the form
/// <see cref="Ingress.SessionBody.CanonicalBase64"/> forwards to the bot.
/// </summary>
/// <param name="Base64">Null: the stream carries no body.</param>
/// <param name="JsonBytes">Size of the JSON sent; 0 for none.</param>
public sealed record TexmlBody(string? Base64, int JsonBytes)
{
    // Not HTML-safe escaping: the JSON goes to a bot, never into a page, and every escaped character would count
    // several times against the agent's bodyMaxBytes.
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Set when the request fields were left out: the size of the JSON with them.</summary>
    public int? FieldsDroppedJsonBytes { get; init; }

    /// <summary>Set when no body is sent because the static body alone is over the limit: its size.</summary>
    public int? OmittedJsonBytes { get; init; }

    /// <summary>
    /// The agent's static <c>texml.body</c> plus each field named in <c>texml.bodyFields</c> that Telnyx's request
    /// carries, as a string under the same name (replacing a static property of that name: the call's own value is
    /// the more specific one). Bounded by <paramref name="maxJsonBytes"/>, since the ingress refuses anything larger:
    /// over it, the request fields are left out, and if the static body alone is still over, the body is.
    /// </summary>
    /// <param name="field">A field of Telnyx's request, or null when absent.</param>
    public static TexmlBody Compose(AgentTexml texml, Func<string, string?> field, int maxJsonBytes)
    {
        ArgumentNullException.ThrowIfNull(texml);
        ArgumentNullException.ThrowIfNull(field);
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var name in texml.BodyFields.Distinct(StringComparer.Ordinal))
        {
            if (field(name) is { } value)
            {
                fields.Add(new(name, value));
            }
        }

        var json = new ArrayBufferWriter<byte>(256);
        var any = Write(json, texml.Body, fields);
        int? fieldsDropped = null;
        if (any && json.WrittenCount > maxJsonBytes && fields.Count > 0)
        {
            fieldsDropped = json.WrittenCount;
            json.ResetWrittenCount();
            any = Write(json, texml.Body, []);
        }

        if (!any)
        {
            return new TexmlBody(null, 0) { FieldsDroppedJsonBytes = fieldsDropped };
        }

        return json.WrittenCount > maxJsonBytes
            ? new TexmlBody(null, 0) { FieldsDroppedJsonBytes = fieldsDropped, OmittedJsonBytes = json.WrittenCount }
            : new TexmlBody(Convert.ToBase64String(json.WrittenSpan), json.WrittenCount) { FieldsDroppedJsonBytes = fieldsDropped };
    }

    /// <returns>False when the object came out empty: an empty body is no body.</returns>
    private static bool Write(ArrayBufferWriter<byte> output, JsonElement? body, List<KeyValuePair<string, string>> fields)
    {
        var properties = 0;
        using var writer = new Utf8JsonWriter(output, WriterOptions);
        writer.WriteStartObject();
        if (body is { ValueKind: JsonValueKind.Object } staticBody)
        {
            foreach (var property in staticBody.EnumerateObject())
            {
                if (!fields.Exists(f => property.NameEquals(f.Key)))
                {
                    property.WriteTo(writer);
                    properties++;
                }
            }
        }

        foreach (var (name, value) in fields)
        {
            writer.WriteString(name, value);
            properties++;
        }

        writer.WriteEndObject();
        return properties > 0;
    }
}
