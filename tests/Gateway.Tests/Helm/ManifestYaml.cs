using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Gateway.Tests.Helm;

/// <summary>
/// Reads YAML (what <c>helm template</c> prints, and Chart.yaml) with YamlDotNet into <see cref="JsonNode"/>s, so that
/// the chart tests can index manifests as JSON. YamlDotNet's representation model keeps every scalar as text; the
/// typing here follows YAML 1.2's core schema for plain scalars only, so a quoted "8080" stays a string while a plain
/// 8080 is a number, as Kubernetes reads them.
/// </summary>
internal static partial class ManifestYaml
{
    private const string StringTag = "tag:yaml.org,2002:str";

    /// <summary>
    /// The documents of a multi-document stream, in order. A document with no content (helm prints a <c>---</c> and a
    /// <c># Source:</c> comment for a template that renders nothing) is a null entry, so that callers can see it.
    /// </summary>
    public static IReadOnlyList<JsonNode?> ParseDocuments(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Select(d => Convert(d.RootNode)).ToList();
    }

    /// <summary>A single-document file; null when it has no content.</summary>
    public static JsonNode? Parse(string text)
    {
        var documents = ParseDocuments(text);
        return documents.Count switch
        {
            0 => null,
            1 => documents[0],
            _ => throw new FormatException($"Expected one YAML document, found {documents.Count}."),
        };
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ConvertMapping(mapping),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlScalarNode scalar => ConvertScalar(scalar),
        _ => throw new FormatException($"Unexpected YAML node {node.NodeType} at {node.Start}."),
    };

    private static JsonObject ConvertMapping(YamlMappingNode mapping)
    {
        var map = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            // JSON keys are strings: a plain key such as 1 or true is kept as the text it was written as.
            if (key is not YamlScalarNode { Value: { } name })
            {
                throw new FormatException($"A mapping key that is not a scalar at {key.Start} has no JSON form.");
            }

            // YamlDotNet already refuses a duplicate key; Add would too, where the indexer would keep the last value.
            map.Add(name, Convert(value));
        }

        return map;
    }

    private static JsonValue? ConvertScalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (!scalar.Tag.IsEmpty)
        {
            // "!" (non-specific) and "!!str" both mean a string; other tags never appear in helm's output.
            return scalar.Tag.IsNonSpecific || scalar.Tag.Value == StringTag
                ? JsonValue.Create(text)
                : throw new FormatException($"YAML tag {scalar.Tag} at {scalar.Start} is not supported.");
        }

        // Only plain scalars are typed: quoted, literal (|) and folded (>) ones are strings whatever they contain.
        return scalar.Style == ScalarStyle.Plain ? Resolve(text) : JsonValue.Create(text);
    }

    /// <summary>
    /// YAML 1.2 core schema: null, booleans, decimal integers and floats; anything else (including hexadecimal,
    /// octal, .inf and .nan, which JSON cannot hold as numbers) is a string.
    /// </summary>
    private static JsonValue? Resolve(string plain)
    {
        switch (plain)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        // Numbers are built as parsed JSON numbers, so that they read back as int, long or double alike
        // (a JsonValue created from a long refuses an (int) cast).
        if (DecimalInteger().IsMatch(plain)
            && long.TryParse(plain, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonNode.Parse(integer.ToString(CultureInfo.InvariantCulture))!.AsValue();
        }

        if (Float().IsMatch(plain)
            && double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && double.IsFinite(number))
        {
            return JsonNode.Parse(number.ToString("R", CultureInfo.InvariantCulture))!.AsValue();
        }

        return JsonValue.Create(plain);
    }

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();
}
