using Gateway.Relay;

namespace Gateway.Tests.Relay;

/// <summary>The relay reads only frame headers: every length form, every truncation, every framing rule.</summary>
public sealed class FrameHeaderTests
{
    private static readonly byte[] Mask = [0x12, 0x34, 0x56, 0x78];

    [Theory]
    [InlineData(0, 2)]
    [InlineData(125, 2)]
    [InlineData(126, 4)]
    [InlineData(65535, 4)]
    [InlineData(65536, 10)]
    public void Reads_each_length_form_with_and_without_a_mask(int payloadLength, int unmaskedHeaderLength)
    {
        var plain = RawFrames.Frame(RawFrames.Binary, new byte[payloadLength]);
        var masked = RawFrames.Frame(RawFrames.Binary, new byte[payloadLength], mask: Mask);

        Assert.Equal(HeaderRead.Complete, FrameHeader.TryRead(plain, out var header, out _));
        Assert.Equal((true, Opcode.Binary, false, (long)payloadLength, unmaskedHeaderLength), (header.Fin, header.Opcode, header.Masked, header.PayloadLength, header.Length));
        Assert.Equal(HeaderRead.Complete, FrameHeader.TryRead(masked, out header, out _));
        Assert.Equal((true, (long)payloadLength, unmaskedHeaderLength + 4, 0x78563412u), (header.Masked, header.PayloadLength, header.Length, header.MaskKey));
    }

    [Fact]
    public void Asks_for_more_at_every_byte_short_of_a_whole_header()
    {
        var frame = RawFrames.Frame(RawFrames.Text, new byte[70000], fin: false, mask: Mask);

        for (var length = 0; length < 14; length++)
        {
            Assert.Equal(HeaderRead.NeedMore, FrameHeader.TryRead(frame.AsSpan(0, length), out _, out _));
        }

        Assert.Equal(HeaderRead.Complete, FrameHeader.TryRead(frame.AsSpan(0, 14), out var header, out _));
        Assert.Equal((false, Opcode.Text, 70000L, 14), (header.Fin, header.Opcode, header.PayloadLength, header.Length));
    }

    [Theory]
    [InlineData(new byte[] { 0xC1, 0x00 }, "reserved bits set without an extension")]
    [InlineData(new byte[] { 0x83, 0x00 }, "unknown opcode 3")]
    [InlineData(new byte[] { 0x8B, 0x00 }, "unknown opcode 11")]
    [InlineData(new byte[] { 0x09, 0x00 }, "fragmented control frame")]
    [InlineData(new byte[] { 0x88, 0x7E, 0x00, 0x7E }, "control frame over 125 bytes")]
    [InlineData(new byte[] { 0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0 }, "payload length out of range")]
    public void Refuses_frames_that_break_the_framing_rules(byte[] header, string reason)
    {
        Assert.Equal(HeaderRead.Invalid, FrameHeader.TryRead(header, out _, out var invalid));
        Assert.Equal(reason, invalid);
    }

    [Fact]
    public void Writes_headers_that_read_back_the_same()
    {
        var buffer = new byte[FrameHeader.MaxLength];
        foreach (var length in new long[] { 0, 125, 126, 65535, 65536, 3_000_000 })
        {
            var written = FrameHeader.Write(buffer, Opcode.Text, fin: true, length, maskKey: 0xAABBCCDD);
            Assert.Equal(HeaderRead.Complete, FrameHeader.TryRead(buffer.AsSpan(0, written), out var header, out _));
            Assert.Equal((Opcode.Text, true, length, 0xAABBCCDDu, written), (header.Opcode, header.Masked, header.PayloadLength, header.MaskKey, header.Length));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    public void Unmasks_from_any_offset_into_a_payload(int offset)
    {
        var payload = Enumerable.Range(0, 37).Select(i => (byte)(i * 7)).ToArray();
        var masked = RawFrames.Frame(RawFrames.Binary, payload, mask: Mask).AsSpan(6).ToArray();
        FrameHeader.TryRead(RawFrames.Frame(RawFrames.Binary, payload, mask: Mask), out var header, out _);

        var part = masked.AsSpan(offset).ToArray();
        FrameHeader.ApplyMask(part, header.MaskKey, offset);

        Assert.Equal(payload.AsSpan(offset).ToArray(), part);
    }
}
