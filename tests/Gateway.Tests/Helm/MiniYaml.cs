using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Tests.Helm;

/// <summary>
/// A deliberately small YAML reader for what <c>helm template</c> prints (the test project references no YAML library):
/// block mappings and sequences (including sequences written at their key's indentation, as Go's YAML writer emits
/// them), plain, single- and double-quoted scalars (also folded over several lines), literal block scalars
/// (<c>|</c>, <c>|-</c>, <c>|+</c>), comments, <c>---</c> document separators and JSON flow collections. Scalars are
/// typed by YAML 1.2's core schema. Anything else (anchors, aliases, tags, folded block scalars, YAML-only flow
/// syntax, duplicate keys, stray indentation) throws <see cref="FormatException"/> rather than being misread.
/// </summary>
internal static partial class MiniYaml
{
    /// <summary>
    /// The documents of a multi-document stream, in order. A document with no content (only comments or blank lines)
    /// is a null entry, so that callers can see it. Blank text before the first separator is not a document.
    /// </summary>
    public static IReadOnlyList<JsonNode?> ParseDocuments(string text)
    {
        var documents = new List<string>();
        var current = new StringBuilder();
        var seenSeparator = false;
        foreach (var line in SplitLines(text))
        {
            if (line == "---" || line.StartsWith("--- ", StringComparison.Ordinal))
            {
                if (seenSeparator || current.ToString().Trim().Length > 0)
                {
                    documents.Add(current.ToString());
                }

                seenSeparator = true;
                current.Clear();
                if (line.Length > 4 && line[4..].Trim().Length > 0)
                {
                    throw new FormatException($"Content on a document separator line is not supported: '{line}'.");
                }

                continue;
            }

            current.Append(line).Append('\n');
        }

        if (seenSeparator || current.ToString().Trim().Length > 0)
        {
            documents.Add(current.ToString());
        }

        return documents.Select(Parse).ToList();
    }

    /// <summary>One document; null when it has no content.</summary>
    public static JsonNode? Parse(string document) => new Reader(SplitLines(document)).ReadDocument();

    private static List<string> SplitLines(string text) => [.. text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n')];

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex DecimalInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex Float();

    private enum Chomping
    {
        Clip,
        Strip,
        Keep,
    }

    private sealed class Reader(List<string> lines)
    {
        // Rewritten in place when a sequence item holds a mapping or sequence: "- key: v" becomes "  key: v".
        private readonly List<string> _lines = lines;
        private int _index;

        public JsonNode? ReadDocument()
        {
            if (!SkipInsignificant())
            {
                return null;
            }

            var node = ReadNode(IndentOf(_index));
            if (SkipInsignificant())
            {
                throw Error("content after the document's root node");
            }

            return node;
        }

        /// <summary>Moves to the next line with content (not blank, not a comment); false at the end.</summary>
        private bool SkipInsignificant()
        {
            while (_index < _lines.Count)
            {
                var trimmed = _lines[_index].Trim();
                if (trimmed.Length > 0 && trimmed[0] != '#')
                {
                    return true;
                }

                _index++;
            }

            return false;
        }

        private int IndentOf(int index)
        {
            var line = _lines[index];
            var indent = 0;
            while (indent < line.Length && line[indent] == ' ')
            {
                indent++;
            }

            if (indent < line.Length && line[indent] == '\t')
            {
                throw Error("a tab in indentation");
            }

            return indent;
        }

        private JsonNode? ReadNode(int indent)
        {
            var content = _lines[_index][indent..];
            if (IsSequenceItem(content))
            {
                return ReadSequence(indent);
            }

            if (TrySplitKey(content, out _, out _))
            {
                return ReadMapping(indent);
            }

            _index++;
            return ReadScalar(content, indent - 1);
        }

        private JsonObject ReadMapping(int indent)
        {
            var map = new JsonObject();
            while (SkipInsignificant())
            {
                var lineIndent = IndentOf(_index);
                if (lineIndent < indent)
                {
                    break;
                }

                if (lineIndent > indent)
                {
                    throw Error($"indentation {lineIndent} inside a mapping indented {indent}");
                }

                var content = _lines[_index][indent..];
                if (IsSequenceItem(content))
                {
                    // A sequence item at this mapping's indentation belongs to an enclosing sequence.
                    break;
                }

                if (!TrySplitKey(content, out var key, out var rest))
                {
                    throw Error($"expected 'key: value' in a mapping, got '{content}'");
                }

                if (map.ContainsKey(key))
                {
                    throw Error($"duplicate key '{key}'");
                }

                _index++;
                map[key] = ReadValue(rest, indent);
            }

            return map;
        }

        private JsonArray ReadSequence(int indent)
        {
            var list = new JsonArray();
            while (SkipInsignificant())
            {
                var lineIndent = IndentOf(_index);
                if (lineIndent < indent)
                {
                    break;
                }

                if (lineIndent > indent)
                {
                    throw Error($"indentation {lineIndent} inside a sequence indented {indent}");
                }

                var content = _lines[_index][indent..];
                if (!IsSequenceItem(content))
                {
                    break;
                }

                var afterDash = content.Length == 1 ? string.Empty : content[2..];
                var item = afterDash.TrimStart(' ');
                var column = indent + 2 + (afterDash.Length - item.Length);
                if (item.Length > 0 && item[0] != '#' && (IsSequenceItem(item) || TrySplitKey(item, out _, out _)))
                {
                    _lines[_index] = new string(' ', column) + item;
                    list.Add(IsSequenceItem(item) ? (JsonNode)ReadSequence(column) : ReadMapping(column));
                    continue;
                }

                _index++;
                list.Add(ReadValue(item, indent));
            }

            return list;
        }

        /// <summary>What follows "key:" or "- ": nothing (a nested node or null), a block scalar, or a scalar.</summary>
        private JsonNode? ReadValue(string rest, int ownerIndent)
        {
            if (rest.Length == 0 || rest[0] == '#')
            {
                if (!SkipInsignificant())
                {
                    return null;
                }

                var nextIndent = IndentOf(_index);
                if (nextIndent > ownerIndent)
                {
                    return ReadNode(nextIndent);
                }

                // Go writes a mapping's sequence at the key's own indentation ("drop:\n- ALL").
                return nextIndent == ownerIndent && IsSequenceItem(_lines[_index][nextIndent..])
                    ? ReadSequence(ownerIndent)
                    : null;
            }

            if (rest[0] is '|' or '>')
            {
                return ReadBlockScalar(rest, ownerIndent);
            }

            return ReadScalar(rest, ownerIndent);
        }

        /// <summary>A scalar starting on the current (already consumed) line, folded over more-indented lines.</summary>
        private JsonNode? ReadScalar(string first, int ownerIndent)
        {
            var parts = new List<string> { first.Trim() };
            while (true)
            {
                // Continuation lines are indented past the owner; blank lines between them are kept (they fold to \n).
                var probe = _index;
                while (probe < _lines.Count && _lines[probe].Trim().Length == 0)
                {
                    probe++;
                }

                // A comment line ends a plain scalar; inside quotes it is text.
                if (probe >= _lines.Count
                    || IndentOf(probe) <= ownerIndent
                    || (first.TrimStart()[0] is not ('"' or '\'') && _lines[probe].TrimStart()[0] == '#'))
                {
                    break;
                }

                for (; _index < probe; _index++)
                {
                    parts.Add(string.Empty);
                }

                parts.Add(_lines[probe].Trim());
                _index = probe + 1;
            }

            var text = parts[0];
            if (text.Length > 0 && text[0] is '{' or '[')
            {
                return ParseJsonFlow(string.Join(" ", parts));
            }

            if (text.Length > 0 && text[0] is '&' or '*' or '!' or '%' or '@' or '`' or '?')
            {
                throw Error($"anchors, aliases, tags and reserved indicators are not supported: '{text}'");
            }

            if (text.Length > 0 && text[0] == '"')
            {
                return JsonValue.Create(ReadDoubleQuoted(string.Join("\n", parts)));
            }

            if (text.Length > 0 && text[0] == '\'')
            {
                return JsonValue.Create(ReadSingleQuoted(string.Join("\n", parts)));
            }

            if (parts.Skip(1).Any(p => p.Contains(": ", StringComparison.Ordinal) || p.EndsWith(':')))
            {
                throw Error($"a mapping entry where the plain scalar '{text}' continues");
            }

            var plain = Fold(parts.Select(StripComment).ToList());
            return parts.Count == 1 ? Resolve(plain) : JsonValue.Create(plain);
        }

        private JsonValue ReadBlockScalar(string header, int ownerIndent)
        {
            var chomping = StripComment(header) switch
            {
                "|" => Chomping.Clip,
                "|-" => Chomping.Strip,
                "|+" => Chomping.Keep,
                _ => throw Error($"block scalar header '{header}' is not supported (only |, |- and |+)"),
            };

            var content = new List<string>();
            int? blockIndent = null;
            while (_index < _lines.Count)
            {
                var line = _lines[_index];
                if (line.Trim().Length == 0)
                {
                    content.Add(blockIndent is { } known && line.Length > known ? line[known..] : string.Empty);
                    _index++;
                    continue;
                }

                var lineIndent = IndentOf(_index);
                blockIndent ??= lineIndent;
                if (lineIndent <= ownerIndent || lineIndent < blockIndent)
                {
                    break;
                }

                content.Add(line[blockIndent.Value..]);
                _index++;
            }

            // Trailing blank lines that were read belong to the scalar only as line breaks (chomping decides).
            var trailingBlank = 0;
            while (content.Count > 0 && content[^1].Length == 0)
            {
                content.RemoveAt(content.Count - 1);
                trailingBlank++;
            }

            var text = string.Join("\n", content);
            return JsonValue.Create(chomping switch
            {
                Chomping.Strip => text,
                Chomping.Clip => text.Length == 0 ? text : text + "\n",
                _ => text + new string('\n', trailingBlank + (text.Length == 0 ? 0 : 1)),
            });
        }

        private string ReadDoubleQuoted(string text)
        {
            var value = new StringBuilder();
            var i = 1;
            while (true)
            {
                if (i >= text.Length)
                {
                    throw Error($"unterminated double-quoted scalar: {text}");
                }

                var c = text[i];
                if (c == '"')
                {
                    i++;
                    break;
                }

                if (c == '\n')
                {
                    FoldLineBreak(value, text, ref i);
                    continue;
                }

                if (c != '\\')
                {
                    value.Append(c);
                    i++;
                    continue;
                }

                if (i + 1 >= text.Length)
                {
                    throw Error($"unterminated escape in: {text}");
                }

                var e = text[i + 1];
                i += 2;
                switch (e)
                {
                    case '\n':
                        // An escaped line break: the lines join with nothing between them.
                        while (i < text.Length && text[i] is ' ' or '\t')
                        {
                            i++;
                        }

                        break;
                    case '0': value.Append('\0'); break;
                    case 'a': value.Append('\a'); break;
                    case 'b': value.Append('\b'); break;
                    case 't' or '\t': value.Append('\t'); break;
                    case 'n': value.Append('\n'); break;
                    case 'v': value.Append('\v'); break;
                    case 'f': value.Append('\f'); break;
                    case 'r': value.Append('\r'); break;
                    case 'e': value.Append('\u001b'); break;
                    case ' ': value.Append(' '); break;
                    case '"': value.Append('"'); break;
                    case '/': value.Append('/'); break;
                    case '\\': value.Append('\\'); break;
                    case 'N': value.Append('\u0085'); break;
                    case '_': value.Append('\u00a0'); break;
                    case 'x': value.Append(HexChar(text, ref i, 2)); break;
                    case 'u': value.Append(HexChar(text, ref i, 4)); break;
                    case 'U': value.Append(HexChar(text, ref i, 8)); break;
                    default: throw Error($"unknown escape '\\{e}' in: {text}");
                }
            }

            EnsureOnlyComment(text[i..], text);
            return value.ToString();
        }

        private string ReadSingleQuoted(string text)
        {
            var value = new StringBuilder();
            var i = 1;
            while (true)
            {
                if (i >= text.Length)
                {
                    throw Error($"unterminated single-quoted scalar: {text}");
                }

                var c = text[i];
                if (c == '\'')
                {
                    if (i + 1 < text.Length && text[i + 1] == '\'')
                    {
                        value.Append('\'');
                        i += 2;
                        continue;
                    }

                    i++;
                    break;
                }

                if (c == '\n')
                {
                    FoldLineBreak(value, text, ref i);
                    continue;
                }

                value.Append(c);
                i++;
            }

            EnsureOnlyComment(text[i..], text);
            return value.ToString();
        }

        /// <summary>Line folding inside a quoted scalar: one break is a space, each further (empty) line a \n.</summary>
        private static void FoldLineBreak(StringBuilder value, string text, ref int i)
        {
            while (value.Length > 0 && value[^1] is ' ' or '\t')
            {
                value.Length--;
            }

            var breaks = 0;
            while (i < text.Length && text[i] is '\n' or ' ' or '\t')
            {
                if (text[i] == '\n')
                {
                    breaks++;
                }

                i++;
            }

            value.Append(breaks == 1 ? " " : new string('\n', breaks - 1));
        }

        private string HexChar(string text, ref int i, int digits)
        {
            if (i + digits > text.Length
                || !int.TryParse(text.AsSpan(i, digits), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
            {
                throw Error($"bad hexadecimal escape in: {text}");
            }

            i += digits;
            return char.ConvertFromUtf32(code);
        }

        private void EnsureOnlyComment(string after, string text)
        {
            var trimmed = after.TrimStart(' ', '\t');
            if (trimmed.Length > 0 && !(trimmed[0] == '#' && trimmed.Length < after.Length))
            {
                throw Error($"unexpected text after a quoted scalar: {text}");
            }
        }

        private JsonNode? ParseJsonFlow(string text)
        {
            try
            {
                return JsonNode.Parse(text);
            }
            catch (JsonException e)
            {
                throw Error($"flow collections other than JSON are not supported: '{text}' ({e.Message})");
            }
        }

        private FormatException Error(string what) =>
            new($"YAML line {Math.Min(_index, _lines.Count - 1) + 1}: {what}.");
    }

    private static bool IsSequenceItem(string content) =>
        content == "-" || content.StartsWith("- ", StringComparison.Ordinal);

    /// <summary>Splits "key: rest" (plain or quoted key); false when the text is not a mapping entry.</summary>
    private static bool TrySplitKey(string content, out string key, out string rest)
    {
        key = string.Empty;
        rest = string.Empty;
        if (content.Length == 0 || content[0] is '{' or '[' or '#' or '|' or '>')
        {
            return false;
        }

        int colon;
        if (content[0] is '"' or '\'')
        {
            var quote = content[0];
            var end = 1;
            while (end < content.Length && (content[end] != quote || (quote == '"' && content[end - 1] == '\\')))
            {
                end++;
            }

            if (end >= content.Length - 1 || content[end + 1] != ':'
                || (end + 2 < content.Length && content[end + 2] != ' '))
            {
                return false;
            }

            key = quote == '"'
                ? JsonSerializer.Deserialize<string>(content[..(end + 1)]) ?? string.Empty
                : content[1..end].Replace("''", "'", StringComparison.Ordinal);
            colon = end + 1;
        }
        else
        {
            colon = content.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0 && content.EndsWith(':'))
            {
                colon = content.Length - 1;
            }

            var comment = content.IndexOf(" #", StringComparison.Ordinal);
            if (colon <= 0 || (comment >= 0 && comment < colon))
            {
                return false;
            }

            key = content[..colon].TrimEnd();
        }

        rest = content[(colon + 1)..].Trim();
        return true;
    }

    private static string StripComment(string text)
    {
        var comment = text.StartsWith('#') ? 0 : text.IndexOf(" #", StringComparison.Ordinal);
        return (comment >= 0 ? text[..comment] : text).Trim();
    }

    /// <summary>Folds the lines of a multi-line plain scalar: one break is a space, an empty line a \n.</summary>
    private static string Fold(List<string> parts)
    {
        var value = new StringBuilder(parts[0]);
        var pendingBreaks = 0;
        foreach (var part in parts.Skip(1))
        {
            if (part.Length == 0)
            {
                pendingBreaks++;
                continue;
            }

            value.Append(pendingBreaks == 0 ? " " : new string('\n', pendingBreaks)).Append(part);
            pendingBreaks = 0;
        }

        return value.ToString();
    }

    /// <summary>YAML 1.2 core schema: null, booleans, integers, floats; anything else is a string.</summary>
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

        // Numbers are built as parsed JSON numbers, so that they read back as int, long or double alike.
        if (DecimalInteger().IsMatch(plain)
            && long.TryParse(plain, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonNode.Parse(integer.ToString(CultureInfo.InvariantCulture))!.AsValue();
        }

        if (Float().IsMatch(plain)
            && double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonNode.Parse(number.ToString("R", CultureInfo.InvariantCulture))!.AsValue();
        }

        return JsonValue.Create(plain);
    }
}
