using System.Text;
using System.Text.Json;

namespace Gateway.SampleBot;

/// <summary>The optional `body` query parameter: standard base64 of UTF-8 JSON, decoded as pipecat-base does.</summary>
internal static class SessionBody
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The body's JSON text, or null when there is none or it does not decode (then with a reason).</summary>
    public static string? Decode(string encoded, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(encoded))
        {
            return null;
        }

        try
        {
            var json = StrictUtf8.GetString(Convert.FromBase64String(encoded));
            using var document = JsonDocument.Parse(json);
            return document.RootElement.GetRawText();
        }
        catch (FormatException exception)
        {
            error = "not standard base64: " + exception.Message;
        }
        catch (DecoderFallbackException)
        {
            error = "not UTF-8";
        }
        catch (JsonException exception)
        {
            error = "not JSON: " + exception.Message;
        }

        return null;
    }
}
