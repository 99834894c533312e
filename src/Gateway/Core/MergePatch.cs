using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;

namespace Gateway.Core;

/// <summary>
/// RFC 7386's JSON merge patch: a patch's member replaces the target's, an object merges into the target's object
/// member by member, a null removes the member (so the resource's default applies), and arrays are replaced whole.
/// </summary>
internal static class MergePatch
{
    /// <returns>A new object: <paramref name="target"/> with <paramref name="patch"/> applied; neither is changed.</returns>
    public static JsonObject Apply(JsonObject target, JsonObject patch)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(patch);
        var result = (JsonObject)target.DeepClone();
        Merge(result, patch);
        return result;
    }

    /// <summary>
    /// A resource patched: <paramref name="current"/> as its JSON, <paramref name="patch"/> applied, and the result bound
    /// and validated as a whole resource would be (<see cref="JsonBinding"/>), so a patch can leave nothing a PUT refuses.
    /// </summary>
    public static (T? Value, Refusal? Refusal) ApplyTo<T>(T current, JsonObject patch, JsonTypeInfo<T> typeInfo, Func<T, IReadOnlyDictionary<string, string[]>>? validate)
        where T : class
    {
        var target = JsonSerializer.SerializeToNode(current, typeInfo)!.AsObject();
        return JsonBinding.Bind(Apply(target, patch), typeInfo, validate);
    }

    private static void Merge(JsonObject target, JsonObject patch)
    {
        foreach (var (name, value) in patch)
        {
            switch (value)
            {
                case null:
                    target.Remove(name);
                    break;
                case JsonObject inner when target[name] is JsonObject existing:
                    Merge(existing, inner);
                    break;
                case JsonObject inner:
                    var fresh = new JsonObject();
                    Merge(fresh, inner);
                    target[name] = fresh;
                    break;
                default:
                    target[name] = value.DeepClone();
                    break;
            }
        }
    }
}
