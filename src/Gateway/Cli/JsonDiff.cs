using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Cli;

/// <summary>What changes between two JSON documents, leaf by leaf: <c>texml.codec: "PCMU" → "PCMA"</c>. Arrays change whole.</summary>
internal static class JsonDiff
{
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IReadOnlyList<string> Changes(JsonNode? before, JsonNode? after)
    {
        var changes = new List<string>();
        Walk(string.Empty, before, after, changes);
        return changes;
    }

    /// <summary>Every leaf of a document, as <c>path: value</c>, for what is created.</summary>
    public static IReadOnlyList<string> Leaves(JsonNode? node) => Changes(null, node).Select(change => change.Replace("(none) → ", string.Empty, StringComparison.Ordinal)).ToList();

    private static void Walk(string path, JsonNode? before, JsonNode? after, List<string> changes)
    {
        if ((before is JsonObject || after is JsonObject) && before is null or JsonObject && after is null or JsonObject)
        {
            var left = before as JsonObject;
            var right = after as JsonObject;
            var names = (left?.Select(p => p.Key) ?? []).Union(right?.Select(p => p.Key) ?? [], StringComparer.Ordinal).Order(StringComparer.Ordinal);
            foreach (var name in names)
            {
                Walk(path.Length == 0 ? name : $"{path}.{name}", left?[name], right?[name], changes);
            }

            return;
        }

        if (!JsonNode.DeepEquals(before, after))
        {
            changes.Add($"{path}: {Text(before)} → {Text(after)}");
        }
    }

    private static string Text(JsonNode? node) => node is null ? "(none)" : node.ToJsonString(Compact);
}
