using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;

namespace Gateway.Relay;

/// <summary>A close frame's payload (RFC 6455 §5.5.1): nothing, or a status code and a UTF-8 reason.</summary>
internal static class ClosePayload
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Reads an unmasked close payload; returns why it is invalid, or null.</summary>
    public static string? TryRead(ReadOnlySpan<byte> payload, out WebSocketCloseStatus? status, out string? reason)
    {
        status = null;
        reason = null;
        if (payload.Length == 0)
        {
            return null;
        }

        if (payload.Length == 1)
        {
            return "close frame with a one-byte payload";
        }

        var code = BinaryPrimitives.ReadUInt16BigEndian(payload);
        if (!IsValidCode(code))
        {
            return $"invalid close code {code}";
        }

        try
        {
            reason = StrictUtf8.GetString(payload[2..]);
        }
        catch (DecoderFallbackException)
        {
            return "close reason is not UTF-8";
        }

        status = (WebSocketCloseStatus)code;
        return null;
    }

    /// <summary>Writes a status code and reason (already cut to 123 bytes); returns the payload's length.</summary>
    public static int Write(Span<byte> destination, WebSocketCloseStatus status, string? reason)
    {
        if (status == WebSocketCloseStatus.Empty)
        {
            return 0;
        }

        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)status);
        return 2 + (string.IsNullOrEmpty(reason) ? 0 : Encoding.UTF8.GetBytes(reason, destination[2..]));
    }

    /// <summary>Codes a peer may send (§7.4): 1000-1003, 1007-1014, and 3000-4999; never 1004-1006 or 1015.</summary>
    public static bool IsValidCode(int code) =>
        code is (>= 1000 and <= 1003) or (>= 1007 and <= 1014) or (>= 3000 and <= 4999);
}
