using System.Buffers.Binary;
using System.Text;
using Gateway.Registry;

namespace Gateway.Tests.Infrastructure;

/// <summary>WAV files built byte by byte, the good and the bad, for the hold clip's tests.</summary>
public static class TestWavs
{
    /// <summary>A hold clip as the gateway takes it: RIFF/WAVE, fmt (PCM, mono, 16-bit), data.</summary>
    public static byte[] Pcm(short[] samples, int rate = 8000) => Riff(Fmt(rate: rate), Data(samples));

    /// <summary>A WAVE file of these chunks, each padded to an even length as RIFF has it.</summary>
    public static byte[] Riff(params (string Id, byte[] Body)[] chunks)
    {
        using var file = new MemoryStream();
        file.Write("RIFF"u8);
        file.Write(new byte[4]);
        file.Write("WAVE"u8);
        foreach (var (id, body) in chunks)
        {
            file.Write(Encoding.ASCII.GetBytes(id));
            file.Write(UInt32(body.Length));
            file.Write(body);
            if (body.Length % 2 == 1)
            {
                file.WriteByte(0);
            }
        }

        var bytes = file.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), (uint)(bytes.Length - 8));
        return bytes;
    }

    /// <summary>A <c>fmt </c> chunk; block align and byte rate follow from the rest unless given.</summary>
    public static (string, byte[]) Fmt(ushort tag = 1, ushort channels = 1, int rate = 8000, ushort bits = 16, ushort? blockAlign = null, int? byteRate = null)
    {
        var body = new byte[16];
        var align = blockAlign ?? (ushort)(channels * bits / 8);
        BinaryPrimitives.WriteUInt16LittleEndian(body, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(2), channels);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(4), (uint)rate);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(8), (uint)(byteRate ?? rate * align));
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(12), align);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(14), bits);
        return ("fmt ", body);
    }

    /// <summary>A WAVE_FORMAT_EXTENSIBLE <c>fmt </c> chunk, mono 16-bit, whose subformat GUID carries <paramref name="subformat"/>.</summary>
    public static (string, byte[]) FmtExtensible(ushort subformat, int rate = 8000)
    {
        var (_, basic) = Fmt(tag: 0xFFFE, rate: rate);
        var body = new byte[40];
        basic.CopyTo(body, 0);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(18), 16);
        BinaryPrimitives.WriteUInt32LittleEndian(body.AsSpan(20), 4);
        BinaryPrimitives.WriteUInt16LittleEndian(body.AsSpan(24), subformat);
        byte[] tail = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];
        tail.CopyTo(body, 26);
        return ("fmt ", body);
    }

    /// <summary>A <c>data</c> chunk of 16-bit little-endian samples.</summary>
    public static (string, byte[]) Data(short[] samples)
    {
        var body = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(body.AsSpan(2 * i), samples[i]);
        }

        return ("data", body);
    }

    /// <summary>A chunk the gateway skips (LIST, fact, …).</summary>
    public static (string, byte[]) Chunk(string id, int length) => (id, Enumerable.Range(0, length).Select(i => (byte)('a' + (i % 26))).ToArray());

    /// <summary>A 440 Hz tone of <paramref name="seconds"/> at <paramref name="rate"/>, loud enough that no sample is G.711 silence.</summary>
    public static short[] Tone(double seconds, int rate = 8000) =>
        [.. Enumerable.Range(0, (int)(seconds * rate)).Select(i => (short)Math.Round(8000 * Math.Sin(2 * Math.PI * 440 * i / rate)))];

    /// <summary>Samples that vary a lot from one to the next (a fixed pseudo-random sequence), full scale included.</summary>
    public static short[] Noise(int count, int seed = 7)
    {
        var random = new Random(seed);
        var samples = new short[count];
        for (var i = 0; i < count; i++)
        {
            samples[i] = (short)random.Next(short.MinValue, short.MaxValue + 1);
        }

        return samples;
    }

    /// <summary>The clip's registry reference, as an upload computes it.</summary>
    public static HoldClip Reference(byte[] wav)
    {
        Assert.True(HoldClipWav.TryRead(wav, out var format, out var fault), fault?.Reason);
        return HoldClip.Of(wav, format);
    }

    private static byte[] UInt32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)value);
        return bytes;
    }
}
