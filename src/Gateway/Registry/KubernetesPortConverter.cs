using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Registry;

/// <summary>Reads and writes a <see cref="KubernetesPort"/> as Kubernetes does: a JSON number or a JSON string.</summary>
public sealed class KubernetesPortConverter : JsonConverter<KubernetesPort>
{
    public override KubernetesPort Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType switch
        {
            JsonTokenType.Number when reader.TryGetInt32(out var number) => KubernetesPort.FromNumber(number),
            JsonTokenType.String => KubernetesPort.FromName(reader.GetString()!),

            // The serializer adds the field's path; the admin API shows this message for it.
            _ => throw new JsonException("must be a port number or a port name."),
        };

    public override void Write(Utf8JsonWriter writer, KubernetesPort value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (value.Number is { } number)
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(value.Name);
        }
    }
}
