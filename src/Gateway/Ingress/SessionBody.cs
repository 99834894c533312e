using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Gateway.Ingress;

/// <summary>
/// The <c>body</c> query parameter: base64 of a UTF-8 JSON object that the bot receives as its session body.
/// Accepted in every form seen in the wild (standard, URL-safe, unpadded, and with <c>+</c> turned into a space
/// by a query parser) and forwarded in one canonical form, padded standard base64, which a non-validating
/// decoder such as Python's <c>b64decode</c> in Pipecat's base image reads correctly.
/// </summary>
public sealed class SessionBody
{
    private SessionBody(string canonicalBase64, int jsonBytes)
    {
        CanonicalBase64 = canonicalBase64;
        JsonBytes = jsonBytes;
    }

    /// <summary>Padded standard base64 of the JSON, as sent on the bot hop (percent-encoded there).</summary>
    public string CanonicalBase64 { get; }

    /// <summary>Size of the decoded JSON, checked against the agent's <c>bodyMaxBytes</c>.</summary>
    public int JsonBytes { get; }

    /// <param name="value">The query value after URL decoding.</param>
    /// <param name="maxJsonBytes">Refuse anything that would decode to more.</param>
    /// <param name="error">Why the body was refused.</param>
    public static bool TryDecode(string value, int maxJsonBytes, out SessionBody? body, out string error)
    {
        ArgumentNullException.ThrowIfNull(value);
        body = null;
        var trimmed = value.AsSpan().TrimEnd('=');
        if (trimmed.Length == 0)
        {
            error = "body is empty.";
            return false;
        }

        if ((long)trimmed.Length * 3 / 4 > maxJsonBytes)
        {
            error = $"body is larger than {maxJsonBytes} bytes of JSON.";
            return false;
        }

        if (trimmed.Length % 4 == 1)
        {
            error = "body is not base64.";
            return false;
        }

        var padded = trimmed.Length + ((4 - (trimmed.Length % 4)) % 4);
        var chars = ArrayPool<char>.Shared.Rent(padded);
        var bytes = ArrayPool<byte>.Shared.Rent(padded / 4 * 3);
        try
        {
            for (var i = 0; i < trimmed.Length; i++)
            {
                chars[i] = trimmed[i] switch
                {
                    ' ' => '+', // '+' that a query parser read as a space
                    '-' => '+',
                    '_' => '/',
                    var c => c,
                };
            }

            chars.AsSpan(trimmed.Length, padded - trimmed.Length).Fill('=');
            if (!Convert.TryFromBase64Chars(chars.AsSpan(0, padded), bytes, out var length))
            {
                error = "body is not base64.";
                return false;
            }

            if (length > maxJsonBytes)
            {
                error = $"body is larger than {maxJsonBytes} bytes of JSON.";
                return false;
            }

            if (!IsJsonObject(bytes.AsSpan(0, length), out error))
            {
                return false;
            }

            body = new SessionBody(Convert.ToBase64String(bytes, 0, length), length);
            return true;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static bool IsJsonObject(ReadOnlySpan<byte> json, out string error)
    {
        // The JSON reader does not check the UTF-8 inside strings; Pipecat's container would then fail to decode the
        // body and silently run the bot without it. Refuse it here, where the caller can still be told.
        if (!Utf8.IsValid(json))
        {
            error = "body is not UTF-8 JSON.";
            return false;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = "body must be base64 of a JSON object.";
                return false;
            }

            reader.Skip();
        }
        catch (JsonException)
        {
            error = "body is not UTF-8 JSON.";
            return false;
        }

        if (!json[(int)reader.BytesConsumed..].Trim(" \t\r\n"u8).IsEmpty)
        {
            error = "body holds data after its JSON object.";
            return false;
        }

        error = string.Empty;
        return true;
    }
}
