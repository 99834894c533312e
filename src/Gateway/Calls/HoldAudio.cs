using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Gateway.Registry;

namespace Gateway.Calls;

/// <summary>
/// What a caller hears while the gateway connects them to a bot: Telnyx <c>media</c> frames of 20 ms in the call's own
/// codec (<c>start.media_format</c>), built once per kind, codec and rate. PCMU and PCMA (G.711) at 8 kHz and L16
/// (big-endian, as Telnyx sends it) at the call's rate; a call in any other codec (G722, OPUS, AMR-WB) hears nothing,
/// since encoding those is not worth a dependency for a hold. An agent's uploaded clip is built here too
/// (<see cref="ClipFrames"/>), and kept by <see cref="HoldClipFrames"/>.
/// </summary>
public static class HoldAudio
{
    /// <summary>Sent to Telnyx just before a bot's first frame: drops whatever hold audio Telnyx still has queued.</summary>
    public static readonly byte[] Clear = """{"event":"clear"}"""u8.ToArray();

    /// <summary>One frame every 20 ms.</summary>
    public static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(20);

    // The tone: 440 Hz at -18 dBFS, half a second on and one and a half off; 2 s is a whole number of its cycles.
    private const int ToneHertz = 440;
    private const double ToneAmplitude = 0.126;
    private const int CycleFrames = 100;
    private const int ToneFrames = 25;

    private static readonly ConcurrentDictionary<(string Kind, string Encoding, int Rate), byte[][]?> Cache = new();

    /// <summary>The codec (upper-case) and rate a call's hold audio is built in; null when its codec gets none.</summary>
    public static (string Codec, int Rate)? Format(string? encoding, int? sampleRate)
    {
        var codec = (encoding ?? "PCMU").ToUpperInvariant();
        var rate = codec is "PCMU" or "PCMA" ? 8000 : sampleRate ?? 8000;
        return codec is "PCMU" or "PCMA" or "L16" && rate is >= 8000 and <= 48000 && rate % 50 == 0 ? (codec, rate) : null;
    }

    /// <summary>
    /// The frames of <c>silence</c> or <c>tone</c> to play in a loop, or null when the codec gets no hold audio. Any
    /// other kind is silence: a clip is built from its samples (<see cref="ClipFrames"/>).
    /// </summary>
    public static byte[][]? Frames(string kind, string? encoding, int? sampleRate) =>
        Format(encoding, sampleRate) is { } format
            ? Cache.GetOrAdd((kind == HoldAudioKind.Tone ? kind : HoldAudioKind.Silence, format.Codec, format.Rate), static key => Build(key.Kind, key.Encoding, key.Rate))
            : null;

    /// <summary>
    /// A clip's frames in a call's codec (<paramref name="codec"/> and <paramref name="rate"/> as <see cref="Format"/>
    /// gives them): its samples at the call's rate (<see cref="Resample"/>), 20 ms a frame, the last one filled up with
    /// silence; played in a loop, the clip starts again on a frame.
    /// </summary>
    public static byte[][] ClipFrames(ReadOnlySpan<short> samples, int clipRate, string codec, int rate)
    {
        var resampled = Resample(samples, clipRate, rate);
        var samplesPerFrame = rate / 50;
        var frames = new byte[(resampled.Length + samplesPerFrame - 1) / samplesPerFrame][];
        var frame = new short[samplesPerFrame];
        for (var i = 0; i < frames.Length; i++)
        {
            var part = resampled.AsSpan(i * samplesPerFrame, Math.Min(samplesPerFrame, resampled.Length - (i * samplesPerFrame)));
            part.CopyTo(frame);
            frame.AsSpan(part.Length).Clear();
            frames[i] = MediaFrame(Encode(frame, codec));
        }

        return frames;
    }

    /// <summary>
    /// Samples at another rate, simply: down by a whole factor (16 kHz to 8 kHz), the mean of each group of samples (a
    /// box filter, so what lies above the new rate's Nyquist frequency is damped rather than folded back into the
    /// band); otherwise by linear interpolation between neighbouring samples. Hold audio through a phone codec needs
    /// no better.
    /// </summary>
    public static short[] Resample(ReadOnlySpan<short> samples, int from, int to)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(from);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(to);
        if (from == to || samples.IsEmpty)
        {
            return samples.ToArray();
        }

        if (from % to == 0)
        {
            var factor = from / to;
            var decimated = new short[Math.Max(1, samples.Length / factor)];
            for (var i = 0; i < decimated.Length; i++)
            {
                var group = samples.Slice(i * factor, Math.Min(factor, samples.Length - (i * factor)));
                var sum = 0;
                foreach (var sample in group)
                {
                    sum += sample;
                }

                decimated[i] = (short)Math.Round((double)sum / group.Length);
            }

            return decimated;
        }

        var interpolated = new short[Math.Max(1, (int)((long)samples.Length * to / from))];
        for (var i = 0; i < interpolated.Length; i++)
        {
            var position = (long)i * from;
            var index = (int)(position / to);
            var fraction = (double)(position % to) / to;
            var next = samples[Math.Min(index + 1, samples.Length - 1)];
            interpolated[i] = (short)Math.Round(samples[index] + ((next - samples[index]) * fraction));
        }

        return interpolated;
    }

    private static byte[][] Build(string kind, string codec, int rate)
    {
        var samplesPerFrame = rate / 50;
        var frames = new byte[kind == HoldAudioKind.Tone ? CycleFrames : 1][];
        var samples = new short[samplesPerFrame];
        for (var frame = 0; frame < frames.Length; frame++)
        {
            for (var i = 0; i < samplesPerFrame; i++)
            {
                samples[i] = kind == HoldAudioKind.Tone && frame < ToneFrames
                    ? (short)Math.Round(short.MaxValue * ToneAmplitude * Math.Sin(2 * Math.PI * ToneHertz * (frame * samplesPerFrame + i) / rate))
                    : (short)0;
            }

            frames[frame] = MediaFrame(Encode(samples, codec));
        }

        return frames;
    }

    /// <summary>One frame's samples in the codec: G.711 a byte each, L16 two bytes each, big-endian.</summary>
    private static byte[] Encode(ReadOnlySpan<short> samples, string codec)
    {
        var payload = new byte[samples.Length * (codec == "L16" ? 2 : 1)];
        for (var i = 0; i < samples.Length; i++)
        {
            switch (codec)
            {
                case "PCMU": payload[i] = G711.MuLaw(samples[i]); break;
                case "PCMA": payload[i] = G711.ALaw(samples[i]); break;
                default: BinaryPrimitives.WriteInt16BigEndian(payload.AsSpan(2 * i), samples[i]); break;
            }
        }

        return payload;
    }

    private static byte[] MediaFrame(byte[] payload) =>
        Encoding.UTF8.GetBytes($$$"""{"event":"media","media":{"payload":"{{{Convert.ToBase64String(payload)}}}"}}""");
}
