using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Gateway.Core;

/// <summary>
/// A body that is not JSON, said in words with where it went wrong (line and byte, counted from 1), rather than the
/// parser's text, which names .NET internals and counts from 0.
/// </summary>
internal static class JsonSyntax
{
    private static readonly JsonReaderOptions Strict = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 64,
    };

    /// <summary>Reads the body once as strict JSON (RFC 8259: no comments, no trailing commas, one value).</summary>
    /// <returns>Null when it is JSON; otherwise the refusal saying where it is not.</returns>
    public static Refusal? Check(byte[] body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            var reader = new Utf8JsonReader(body, Strict);
            while (reader.Read())
            {
            }

            return null;
        }
        catch (JsonException e)
        {
            return Refusal(body, e);
        }
    }

    /// <summary>JSON the reader took, but with a property twice in one object: where, the document's parser does not say.</summary>
    public static Refusal RepeatedProperty() =>
        new(StatusCodes.Status400BadRequest, "invalid_json", "The body is not valid JSON", "The body is not valid JSON: a property appears twice in one object.");

    private static Refusal Refusal(byte[] body, JsonException error)
    {
        var line = (int)(error.LineNumber ?? 0);
        var byteInLine = (int)(error.BytePositionInLine ?? 0);
        var what = Describe(body, Offset(body, line, byteInLine));
        if (what is null)
        {
            // It ended early: the place to point at is its end, not the last token the reader kept.
            what = "it ends before the JSON value is complete";
            line = body.Count(b => b == '\n');
            byteInLine = body.Length - (Array.LastIndexOf(body, (byte)'\n') + 1);
        }

        var detail = body.All(IsWhiteSpace)
            ? "The body is empty: send a JSON object."
            : string.Create(CultureInfo.InvariantCulture, $"The body is not valid JSON: {what} at line {line + 1}, byte {byteInLine + 1}.");
        return new Refusal(StatusCodes.Status400BadRequest, "invalid_json", "The body is not valid JSON", detail)
            .With("line", line + 1)
            .With("byte", byteInLine + 1);
    }

    /// <returns>What is wrong at <paramref name="offset"/>; null when the body ends before its value does.</returns>
    private static string? Describe(byte[] body, int offset)
    {
        var rest = offset;
        while (rest < body.Length && IsWhiteSpace(body[rest]))
        {
            rest++;
        }

        // At the end, or at a token that needs another after it (the reader then points at that token).
        if (rest >= body.Length || (body[rest] is (byte)',' or (byte)':' or (byte)'{' or (byte)'[' && body.AsSpan(rest + 1).Trim(" \t\r\n"u8).IsEmpty))
        {
            return null;
        }

        var before = offset - 1;
        while (before >= 0 && IsWhiteSpace(body[before]))
        {
            before--;
        }

        var current = (char)body[rest];
        if (before >= 0 && body[before] == ',' && current is '}' or ']')
        {
            return $"a trailing comma before '{current}'";
        }

        return body[rest] is >= 0x20 and < 0x7F ? $"unexpected '{current}'" : string.Create(CultureInfo.InvariantCulture, $"unexpected byte 0x{body[rest]:X2}");
    }

    /// <summary>The byte offset of (line, byte in line), both counted from 0 as the reader counts them.</summary>
    private static int Offset(byte[] body, int line, int byteInLine)
    {
        var offset = 0;
        for (var seen = 0; seen < line && offset < body.Length; offset++)
        {
            if (body[offset] == '\n')
            {
                seen++;
            }
        }

        return Math.Min(offset + byteInLine, body.Length);
    }

    private static bool IsWhiteSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
