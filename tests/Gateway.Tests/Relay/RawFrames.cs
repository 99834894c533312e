using System.Buffers.Binary;
using System.Text;

namespace Gateway.Tests.Relay;

/// <summary>WebSocket frames written byte by byte from RFC 6455 §5.2, independently of the gateway's own framing code.</summary>
internal static class RawFrames
{
    public const byte Continuation = 0x0;
    public const byte Text = 0x1;
    public const byte Binary = 0x2;
    public const byte Close = 0x8;
    public const byte Ping = 0x9;
    public const byte Pong = 0xA;

    /// <summary>A frame; masked (as a client sends) when <paramref name="mask"/> is given.</summary>
    public static byte[] Frame(byte opcode, byte[] payload, bool fin = true, byte[]? mask = null, byte reserved = 0)
    {
        var header = new List<byte> { (byte)((fin ? 0x80 : 0) | reserved | opcode) };
        var maskBit = mask is null ? 0 : 0x80;
        if (payload.Length <= 125)
        {
            header.Add((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header.Add((byte)(maskBit | 126));
            header.Add((byte)(payload.Length >> 8));
            header.Add((byte)payload.Length);
        }
        else
        {
            header.Add((byte)(maskBit | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            header.AddRange(length);
        }

        var body = (byte[])payload.Clone();
        if (mask is not null)
        {
            header.AddRange(mask);
            for (var i = 0; i < body.Length; i++)
            {
                body[i] ^= mask[i % 4];
            }
        }

        return [.. header, .. body];
    }

    /// <summary>A client's text frame, masked with a fixed key.</summary>
    public static byte[] ClientText(string text, bool fin = true, byte opcode = Text) =>
        Frame(opcode, Encoding.UTF8.GetBytes(text), fin, [0x12, 0x34, 0x56, 0x78]);

    /// <summary>A server's text frame (unmasked).</summary>
    public static byte[] ServerText(string text, bool fin = true, byte opcode = Text) => Frame(opcode, Encoding.UTF8.GetBytes(text), fin);

    public static byte[] ClosePayload(int code, string reason) =>
        [(byte)(code >> 8), (byte)code, .. Encoding.UTF8.GetBytes(reason)];

    /// <summary>Reads one frame off a connection: its first byte (FIN and opcode) and its payload, unmasked.</summary>
    public static async Task<(byte First, byte[] Payload, bool Masked)> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new byte[2];
        await stream.ReadExactlyAsync(head, cancellationToken);
        var length = (long)(head[1] & 0x7F);
        if (length >= 126)
        {
            var extended = new byte[length == 126 ? 2 : 8];
            await stream.ReadExactlyAsync(extended, cancellationToken);
            length = extended.Length == 2 ? BinaryPrimitives.ReadUInt16BigEndian(extended) : (long)BinaryPrimitives.ReadUInt64BigEndian(extended);
        }

        var masked = (head[1] & 0x80) != 0;
        var mask = new byte[masked ? 4 : 0];
        await stream.ReadExactlyAsync(mask, cancellationToken);
        var payload = new byte[length];
        await stream.ReadExactlyAsync(payload, cancellationToken);
        for (var i = 0; masked && i < payload.Length; i++)
        {
            payload[i] ^= mask[i % 4];
        }

        return (head[0], payload, masked);
    }
}
