using System.Buffers.Binary;

namespace Gateway.Relay;

/// <summary>WebSocket opcodes (RFC 6455 §5.2).</summary>
internal enum Opcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

/// <summary>
/// One WebSocket frame's header (RFC 6455 §5.2): 2 to 14 bytes in front of its payload. The relay reads only these to
/// keep message boundaries, limits and control frames, and copies payloads through untouched.
/// </summary>
internal readonly record struct FrameHeader(bool Fin, Opcode Opcode, bool Masked, uint MaskKey, long PayloadLength, int Length)
{
    /// <summary>The longest header: 2 bytes, an 8-byte length, a 4-byte mask key.</summary>
    public const int MaxLength = 14;

    /// <summary>A control frame's payload is at most 125 bytes (§5.5).</summary>
    public const int ControlPayloadMaxLength = 125;

    public bool IsControl => ((byte)Opcode & 0x8) != 0;

    /// <summary>
    /// Reads a header from the start of <paramref name="bytes"/>. Returns <see cref="HeaderRead.NeedMore"/> when the bytes
    /// end inside it, <see cref="HeaderRead.Invalid"/> with the reason when it breaks RFC 6455's framing rules (reserved
    /// bits without an extension, unknown opcodes, a control frame fragmented or over 125 bytes, a 64-bit length with
    /// its top bit set, a length not in its shortest form is allowed as the RFC allows it).
    /// </summary>
    public static HeaderRead TryRead(ReadOnlySpan<byte> bytes, out FrameHeader header, out string? invalid)
    {
        header = default;
        invalid = null;
        if (bytes.Length < 2)
        {
            return HeaderRead.NeedMore;
        }

        var first = bytes[0];
        var second = bytes[1];
        var masked = (second & 0x80) != 0;
        var length7 = second & 0x7F;
        var length = 2 + (length7 == 126 ? 2 : length7 == 127 ? 8 : 0) + (masked ? 4 : 0);
        if (bytes.Length < length)
        {
            return HeaderRead.NeedMore;
        }

        long payloadLength = length7 switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(bytes[2..]),
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(bytes[2..]),
            _ => length7,
        };
        var opcode = (Opcode)(first & 0x0F);
        header = new FrameHeader((first & 0x80) != 0, opcode, masked, masked ? BinaryPrimitives.ReadUInt32LittleEndian(bytes[(length - 4)..]) : 0, payloadLength, length);
        invalid = (first & 0x70) != 0 ? "reserved bits set without an extension"
            : !Enum.IsDefined(opcode) ? $"unknown opcode {(int)opcode}"
            : payloadLength < 0 ? "payload length out of range"
            : header.IsControl && !header.Fin ? "fragmented control frame"
            : header.IsControl && payloadLength > ControlPayloadMaxLength ? "control frame over 125 bytes"
            : null;
        return invalid is null ? HeaderRead.Complete : HeaderRead.Invalid;
    }

    /// <summary>Writes a header for a frame the gateway sends itself; returns its length.</summary>
    /// <param name="maskKey">The mask key when the gateway is the client of this leg, else null.</param>
    public static int Write(Span<byte> destination, Opcode opcode, bool fin, long payloadLength, uint? maskKey)
    {
        destination[0] = (byte)((fin ? 0x80 : 0) | (byte)opcode);
        var maskBit = maskKey is null ? 0 : 0x80;
        int length;
        if (payloadLength <= 125)
        {
            destination[1] = (byte)(maskBit | (int)payloadLength);
            length = 2;
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = (byte)(maskBit | 126);
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            length = 4;
        }
        else
        {
            destination[1] = (byte)(maskBit | 127);
            BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
            length = 10;
        }

        if (maskKey is { } key)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(destination[length..], key);
            length += 4;
        }

        return length;
    }

    /// <summary>
    /// XORs <paramref name="payload"/> with the mask key, <paramref name="offset"/> bytes into the frame's payload (masking
    /// and unmasking are the same operation).
    /// </summary>
    public static void ApplyMask(Span<byte> payload, uint maskKey, long offset)
    {
        var rotation = (int)(offset & 3) * 8;
        var key = rotation == 0 ? maskKey : (maskKey >> rotation) | (maskKey << (32 - rotation));
        var i = 0;
        for (; i + 4 <= payload.Length; i += 4)
        {
            var word = BinaryPrimitives.ReadUInt32LittleEndian(payload[i..]) ^ key;
            BinaryPrimitives.WriteUInt32LittleEndian(payload[i..], word);
        }

        for (; i < payload.Length; i++)
        {
            payload[i] ^= (byte)(key >> (8 * (i & 3)));
        }
    }
}

internal enum HeaderRead
{
    NeedMore,
    Complete,
    Invalid,
}
