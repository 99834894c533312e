using System.Globalization;
using System.Text;

namespace Gateway.Core;

/// <summary>
/// The serializer's JSON paths (<c>$.instances[0].url</c>, <c>$['odd name']</c>) as segments (a property name or an
/// array index), and as the field names refusals use (<c>instances[0].url</c>; <c>$</c> for the body itself).
/// </summary>
internal static class JsonPaths
{
    public static List<object> Parse(string? path)
    {
        var segments = new List<object>();
        if (string.IsNullOrEmpty(path))
        {
            return segments;
        }

        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 2)..end]);
                i = end + 2;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                end = end < 0 ? path.Length : end;
                segments.Add(int.Parse(path.AsSpan(i + 1, end - i - 1), CultureInfo.InvariantCulture));
                i = end + 1;
            }
            else
            {
                break;
            }
        }

        return segments;
    }

    public static string Field(IEnumerable<object> segments)
    {
        var field = new StringBuilder();
        foreach (var segment in segments)
        {
            if (segment is int index)
            {
                field.Append(CultureInfo.InvariantCulture, $"[{index}]");
            }
            else
            {
                field.Append(field.Length == 0 ? string.Empty : ".").Append((string)segment);
            }
        }

        return field.Length == 0 ? "$" : field.ToString();
    }
}
