using System.Buffers.Binary;
using Gateway.CallSimulator;

namespace Gateway.Benchmarks;

/// <summary>
/// The audio of every benchmark frame: PCMU silence with the frame's index big-endian in its first four bytes, the
/// idea of <see cref="TelnyxFrames.SilenceFrame"/> (identical to it at 160 bytes) for any payload size.
/// </summary>
internal static class AudioPattern
{
    /// <summary>Room for the index.</summary>
    public const int MinimumBytes = sizeof(int);

    public static byte[] Create(int payloadBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(payloadBytes, MinimumBytes);
        var audio = new byte[payloadBytes];
        audio.AsSpan().Fill(TelnyxFrames.PcmuSilence);
        return audio;
    }

    public static void Stamp(Span<byte> audio, int index) => BinaryPrimitives.WriteInt32BigEndian(audio, index);

    /// <summary>The index of an echoed frame, when <paramref name="audio"/> is exactly a frame of this pattern.</summary>
    public static bool TryRead(ReadOnlySpan<byte> audio, int payloadBytes, out int index)
    {
        if (audio.Length != payloadBytes || audio[MinimumBytes..].ContainsAnyExcept(TelnyxFrames.PcmuSilence))
        {
            index = -1;
            return false;
        }

        index = BinaryPrimitives.ReadInt32BigEndian(audio);
        return true;
    }
}
