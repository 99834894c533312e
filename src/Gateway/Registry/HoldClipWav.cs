using System.Buffers.Binary;
using System.Globalization;

namespace Gateway.Registry;

/// <summary>
/// A hold clip's WAV file as the gateway takes it: RIFF/WAVE, one <c>fmt </c> chunk of PCM (format tag 1, or
/// WAVE_FORMAT_EXTENSIBLE with the PCM subformat), mono, 16-bit, 8000 or 16000 Hz, then a <c>data</c> chunk of at
/// most 60 s; other chunks (<c>LIST</c>, <c>fact</c>, <c>cue </c>…) are skipped, odd-sized ones with their pad byte.
/// </summary>
/// <remarks>
/// Read here rather than with a media library: the gateway takes one narrow format, and what an uploader needs is to
/// be told exactly what is wrong with a file that is not it (stereo, 8-bit, 44.1 kHz, float, truncated), which a
/// library that decodes far more than the gateway plays would not say. RIFF's chunk walk is a few dozen lines, and a
/// dependency on the admin path of a voice gateway is not worth them.
/// </remarks>
public readonly record struct HoldClipWav(int SampleRate, int DataOffset, int SampleCount)
{
    /// <summary>The longest clip: a hold loops it, so a longer one buys nothing but memory.</summary>
    public const int MaxSeconds = 60;

    /// <summary>
    /// The largest file taken: 60 s at 16 kHz is 1.92 MB of samples, which leaves room for generous metadata chunks.
    /// </summary>
    public const int MaxFileBytes = 4 * 1024 * 1024;

    /// <summary>The rates a call's codecs use (G.711 at 8 kHz, L16 at 8 or 16 kHz most often).</summary>
    public static readonly IReadOnlyList<int> SampleRates = [8000, 16000];

    private const ushort PcmTag = 1;
    private const ushort ExtensibleTag = 0xFFFE;

    // KSDATAFORMAT_SUBTYPE_PCM after its first two bytes (which hold the subformat's tag, 1 for PCM).
    private static ReadOnlySpan<byte> PcmSubformatTail => [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <summary>Reads a WAV file's format and where its samples are; when it is not a clip the gateway plays, says why.</summary>
    public static bool TryRead(ReadOnlySpan<byte> wav, out HoldClipWav clip, out HoldClipFault? fault)
    {
        clip = default;
        fault = null;
        if (wav.Length < 12 || !wav[..4].SequenceEqual("RIFF"u8) || !wav.Slice(8, 4).SequenceEqual("WAVE"u8))
        {
            fault = new HoldClipFault($"not a RIFF/WAVE file{Looks(wav)}");
            return false;
        }

        int? rate = null;
        var offset = 12;
        while (offset <= wav.Length - 8)
        {
            var id = wav.Slice(offset, 4);
            var size = BinaryPrimitives.ReadUInt32LittleEndian(wav.Slice(offset + 4, 4));
            var body = offset + 8;
            var held = wav.Length - body;
            if (id.SequenceEqual("data"u8))
            {
                return rate is { } dataRate ? TryReadData(dataRate, body, size, held, out clip, out fault) : Fault("the data chunk comes before any fmt chunk", out fault);
            }

            if (size > held)
            {
                return Fault($"the file ends inside its '{Name(id)}' chunk ({size} bytes declared, {held} held), before any data chunk", out fault);
            }

            if (id.SequenceEqual("fmt "u8))
            {
                if (!TryReadFormat(wav.Slice(body, (int)size), out var formatRate, out fault))
                {
                    return false;
                }

                rate = formatRate;
            }

            // A chunk of odd size is followed by a pad byte (RIFF): the next chunk starts after it.
            offset = body + (int)size + (int)(size & 1);
        }

        return Fault(rate is null ? "no fmt chunk and no data chunk" : "no data chunk", out fault);
    }

    /// <summary>The clip's samples, read from the WAV file it was read from.</summary>
    public short[] Samples(ReadOnlySpan<byte> wav)
    {
        var data = wav.Slice(DataOffset, 2 * SampleCount);
        var samples = new short[SampleCount];
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] = BinaryPrimitives.ReadInt16LittleEndian(data.Slice(2 * i, 2));
        }

        return samples;
    }

    private static bool TryReadFormat(ReadOnlySpan<byte> fmt, out int rate, out HoldClipFault? fault)
    {
        rate = 0;
        fault = null;
        if (fmt.Length < 16)
        {
            return Fault($"the fmt chunk is {fmt.Length} bytes, short of the 16 a PCM format takes", out fault);
        }

        var tag = BinaryPrimitives.ReadUInt16LittleEndian(fmt);
        var channels = BinaryPrimitives.ReadUInt16LittleEndian(fmt[2..]);
        var sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[4..]);
        var byteRate = BinaryPrimitives.ReadUInt32LittleEndian(fmt[8..]);
        var blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(fmt[12..]);
        var bits = BinaryPrimitives.ReadUInt16LittleEndian(fmt[14..]);
        if (tag == ExtensibleTag)
        {
            // cbSize (22), valid bits, channel mask, then the subformat GUID, whose first two bytes are its format tag.
            if (fmt.Length < 40)
            {
                return Fault($"the fmt chunk is WAVE_FORMAT_EXTENSIBLE but {fmt.Length} bytes, short of its 40", out fault);
            }

            var subformat = BinaryPrimitives.ReadUInt16LittleEndian(fmt[24..]);
            if (subformat != PcmTag || !fmt.Slice(26, 14).SequenceEqual(PcmSubformatTail))
            {
                return Fault($"WAVE_FORMAT_EXTENSIBLE with subformat {TagName(subformat)}, not PCM; a hold clip is PCM", out fault);
            }
        }
        else if (tag != PcmTag)
        {
            return Fault($"format tag {tag} ({TagName(tag)}), not PCM (format tag 1)", out fault);
        }

        if (channels != 1)
        {
            return Fault($"{channels} channels{(channels == 2 ? " (stereo)" : string.Empty)}; a hold clip is mono", out fault);
        }

        if (bits != 16)
        {
            return Fault($"{bits}-bit samples; a hold clip is 16-bit", out fault);
        }

        if (!SampleRates.Contains((int)Math.Min(sampleRate, int.MaxValue)))
        {
            return Fault($"sample rate {Rate(sampleRate)}; a hold clip is 8000 or 16000 Hz", out fault);
        }

        if (blockAlign != 2 || byteRate != 2 * sampleRate)
        {
            return Fault($"the fmt chunk does not add up: block align {blockAlign} and byte rate {byteRate}, where mono 16-bit at {sampleRate} Hz is 2 and {2 * sampleRate}", out fault);
        }

        rate = (int)sampleRate;
        return true;
    }

    private static bool TryReadData(int rate, int body, uint size, int held, out HoldClipWav clip, out HoldClipFault? fault)
    {
        clip = default;
        fault = null;
        if (size > held)
        {
            return Fault($"the data chunk is truncated: it declares {size} bytes, the file holds {held} after its header", out fault);
        }

        if (size == 0)
        {
            return Fault("the data chunk holds no samples", out fault);
        }

        if (size % 2 != 0)
        {
            return Fault($"the data chunk holds {size} bytes, not a whole number of 16-bit samples", out fault);
        }

        var samples = (int)(size / 2);
        if (samples > MaxSeconds * rate)
        {
            // Rounded up to the millisecond: a clip a sample too long never reads as 60 s.
            var seconds = Math.Ceiling(samples * 1000.0 / rate) / 1000;
            fault = new HoldClipFault(string.Create(CultureInfo.InvariantCulture, $"{seconds:0.###} s of audio; a hold clip is at most {MaxSeconds} s"), TooLong: true);
            return false;
        }

        clip = new HoldClipWav(rate, body, samples);
        return true;
    }

    private static bool Fault(string reason, out HoldClipFault? fault)
    {
        fault = new HoldClipFault(reason);
        return false;
    }

    private static string Rate(uint hertz) => hertz % 1000 == 0
        ? $"{hertz / 1000} kHz"
        : string.Create(CultureInfo.InvariantCulture, $"{hertz / 1000.0:0.###} kHz");

    private static string TagName(ushort tag) => tag switch
    {
        PcmTag => "PCM",
        2 => "Microsoft ADPCM",
        3 => "IEEE float",
        6 => "A-law",
        7 => "μ-law",
        0x11 => "IMA ADPCM",
        0x55 => "MPEG Layer III",
        ExtensibleTag => "WAVE_FORMAT_EXTENSIBLE",
        _ => string.Create(CultureInfo.InvariantCulture, $"0x{tag:X4}"),
    };

    /// <summary>A chunk id as text when it is printable, else its bytes in hex.</summary>
    private static string Name(ReadOnlySpan<byte> id)
    {
        foreach (var b in id)
        {
            if (b is < 0x20 or > 0x7E)
            {
                return Convert.ToHexString(id);
            }
        }

        return System.Text.Encoding.ASCII.GetString(id);
    }

    /// <summary>What the file looks like instead, for the formats people most often upload by mistake.</summary>
    private static string Looks(ReadOnlySpan<byte> file) =>
        file.StartsWith("ID3"u8) || (file.Length >= 2 && file[0] == 0xFF && (file[1] & 0xE0) == 0xE0) ? " (it looks like MP3)"
        : file.StartsWith("OggS"u8) ? " (it looks like Ogg)"
        : file.StartsWith("fLaC"u8) ? " (it looks like FLAC)"
        : file.StartsWith("RIFX"u8) ? " (it is big-endian RIFX)"
        : file.StartsWith("RF64"u8) ? " (it is RF64)"
        : file.StartsWith("RIFF"u8) && file.Length >= 12 ? $" (a RIFF file of form type '{Name(file.Slice(8, 4))}')"
        : file.Length < 12 ? $" ({file.Length} bytes)"
        : string.Empty;
}

/// <summary>Why a WAV file is not a hold clip the gateway plays; <see cref="TooLong"/>: only its length is wrong.</summary>
public sealed record HoldClipFault(string Reason, bool TooLong = false);
