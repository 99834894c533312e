using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Gateway.Core;

/// <summary>
/// Binds a JSON object to its type naming every field in error at once. The serializer stops at the first field it
/// cannot read; each such field is noted, taken out, and the object read again, so that a wrong type or an unknown
/// enumeration value never hides the next problem, and what does bind is checked by the resource's own rules too.
/// </summary>
internal static class JsonBinding
{
    // Each round takes one field out; a body with more fields in error than this is told about the first ones.
    private const int MaxRounds = 64;

    public static (T? Value, Refusal? Refusal) Bind<T>(JsonObject body, JsonTypeInfo<T> typeInfo, Func<T, IReadOnlyDictionary<string, string[]>>? validate)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(typeInfo);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var working = body.DeepClone();
        T? value = null;
        for (var round = 0; round < MaxRounds; round++)
        {
            try
            {
                value = working.Deserialize(typeInfo);
                break;
            }
            catch (JsonException e)
            {
                var path = JsonPaths.Parse(e.Path);
                errors.TryAdd(JsonPaths.Field(path), [Describe(e, typeInfo, path)]);
                if (!TakeOut(working, path))
                {
                    break;
                }
            }
        }

        if (value is not null && validate is not null)
        {
            // A field the serializer could not read already has its message; the rules may only add others.
            foreach (var (field, messages) in validate(value))
            {
                errors.TryAdd(field, messages);
            }
        }

        return errors.Count > 0 ? (null, Refusals.Validation(errors)) : (value, null);
    }

    private static string Describe(JsonException error, JsonTypeInfo root, IReadOnlyList<object> path)
    {
        if (error.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return "is not a field of this resource.";
        }

        var type = TargetType(root, path);
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        if (type is { IsEnum: true })
        {
            return "must be one of " + string.Join(", ", EnumNames(type)) + ".";
        }

        if (type == typeof(int) || type == typeof(long))
        {
            return "must be a JSON integer.";
        }

        if (type == typeof(bool))
        {
            return "must be true or false.";
        }

        if (type == typeof(string) || type == typeof(Uri))
        {
            return "must be a JSON string.";
        }

        if (type == typeof(DateTimeOffset))
        {
            return "must be an RFC 3339 date and time.";
        }

        // A converter of this repository words its own rule (e.g. a Kubernetes port); the serializer's own do not.
        if (!error.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            var cut = error.Message.IndexOf(" Path:", StringComparison.Ordinal);
            return cut > 0 ? error.Message[..cut] : error.Message;
        }

        var kind = type is null ? JsonTypeInfoKind.None : root.Options.GetTypeInfo(type).Kind;
        return kind switch
        {
            JsonTypeInfoKind.Enumerable => "must be a JSON array.",
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "must be a JSON object.",
            _ => "has the wrong JSON type.",
        };
    }

    /// <summary>The .NET type a path of the body binds to, or null when the path leaves the contract.</summary>
    private static Type? TargetType(JsonTypeInfo root, IReadOnlyList<object> path)
    {
        var info = root;
        Type? type = root.Type;
        foreach (var segment in path)
        {
            type = info.Kind switch
            {
                JsonTypeInfoKind.Object when segment is string name => info.Properties.FirstOrDefault(p => p.Name == name)?.PropertyType,
                JsonTypeInfoKind.Dictionary or JsonTypeInfoKind.Enumerable => info.ElementType,
                _ => null,
            };
            if (type is null)
            {
                return null;
            }

            info = root.Options.GetTypeInfo(type);
        }

        return type;
    }

    /// <summary>An enumeration's values as JSON writes them.</summary>
    internal static IEnumerable<string> EnumNames(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? field.Name);

    /// <summary>Takes the field at <paramref name="path"/> out (an array's element becomes null); false when it cannot.</summary>
    private static bool TakeOut(JsonNode root, List<object> path)
    {
        if (path.Count == 0)
        {
            return false;
        }

        var parent = root;
        foreach (var segment in path.Take(path.Count - 1))
        {
            parent = (segment, parent) switch
            {
                (string name, JsonObject o) => o[name],
                (int index, JsonArray a) when index < a.Count => a[index],
                _ => null,
            };
            if (parent is null)
            {
                return false;
            }
        }

        switch (path[^1], parent)
        {
            case (string name, JsonObject o):
                return o.Remove(name);
            case (int index, JsonArray a) when index < a.Count && a[index] is not null:
                a[index] = null;
                return true;
            default:
                return false;
        }
    }
}
