using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Gateway.Relay;

/// <summary>The <c>Sec-WebSocket-Accept</c> value that answers a <c>Sec-WebSocket-Key</c> (RFC 6455 §4.2.2).</summary>
internal static class WebSocketAccept
{
    /// <summary>Base64 of a SHA-1 hash: always 28 characters.</summary>
    public const int Length = 28;

    // A key is base64 of 16 bytes (24 characters); a longer one is hashed all the same, from a pooled buffer.
    private const int StackKeyLength = 64;

    private static ReadOnlySpan<byte> KeyGuid => "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"u8;

    public static string For(ReadOnlySpan<char> key)
    {
        Span<byte> accept = stackalloc byte[Length];
        Write(key, accept);
        return Encoding.ASCII.GetString(accept);
    }

    /// <summary>The value as ASCII bytes into <paramref name="destination"/> (<see cref="Length"/> bytes): no allocation per call.</summary>
    public static void Write(ReadOnlySpan<char> key, Span<byte> destination)
    {
        var length = key.Length + KeyGuid.Length;
        byte[]? rented = null;
        var input = key.Length <= StackKeyLength ? stackalloc byte[StackKeyLength + KeyGuid.Length] : rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            Encoding.ASCII.GetBytes(key, input);
            KeyGuid.CopyTo(input[key.Length..]);
            Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];

            // RFC 6455 fixes SHA-1 here: it proves the server speaks WebSocket, it protects nothing.
#pragma warning disable CA5350
            SHA1.HashData(input[..length], hash);
#pragma warning restore CA5350
            Base64.EncodeToUtf8(hash, destination, out _, out _);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
