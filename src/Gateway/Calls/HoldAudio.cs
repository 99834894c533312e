using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text;
using Gateway.Registry;

namespace Gateway.Calls;

/// <summary>
/// What a caller hears while the gateway connects them to a bot: Telnyx <c>media</c> frames of 20 ms in the call's own
/// codec (<c>start.media_format</c>), built once per kind, codec and rate. PCMU and PCMA (G.711) at 8 kHz and L16
/// (big-endian, as Telnyx sends it) at the call's rate; a call in any other codec (G722, OPUS, AMR-WB) hears nothing,
/// since encoding those is not worth a dependency for a hold.
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

    /// <summary>The frames to play in a loop, or null when the codec gets no hold audio.</summary>
    public static byte[][]? Frames(string kind, string? encoding, int? sampleRate)
    {
        var codec = (encoding ?? "PCMU").ToUpperInvariant();
        var rate = codec is "PCMU" or "PCMA" ? 8000 : sampleRate ?? 8000;
        return codec is "PCMU" or "PCMA" or "L16" && rate is >= 8000 and <= 48000 && rate % 50 == 0
            ? Cache.GetOrAdd((kind, codec, rate), static key => Build(key.Kind, key.Encoding, key.Rate))
            : null;
    }

    private static byte[][] Build(string kind, string codec, int rate)
    {
        var samplesPerFrame = rate / 50;
        var frames = new byte[kind == HoldAudioKind.Tone ? CycleFrames : 1][];
        var payload = new byte[samplesPerFrame * (codec == "L16" ? 2 : 1)];
        for (var frame = 0; frame < frames.Length; frame++)
        {
            for (var i = 0; i < samplesPerFrame; i++)
            {
                var sample = kind == HoldAudioKind.Tone && frame < ToneFrames
                    ? (short)Math.Round(short.MaxValue * ToneAmplitude * Math.Sin(2 * Math.PI * ToneHertz * (frame * samplesPerFrame + i) / rate))
                    : (short)0;
                switch (codec)
                {
                    case "PCMU": payload[i] = G711.MuLaw(sample); break;
                    case "PCMA": payload[i] = G711.ALaw(sample); break;
                    default: BinaryPrimitives.WriteInt16BigEndian(payload.AsSpan(2 * i), sample); break;
                }
            }

            frames[frame] = Encoding.UTF8.GetBytes($$$"""{"event":"media","media":{"payload":"{{{Convert.ToBase64String(payload)}}}"}}""");
        }

        return frames;
    }
}
