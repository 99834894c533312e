using System.Buffers.Binary;
using Gateway.CallSimulator;

namespace Gateway.Benchmarks;

/// <summary>
/// Reads back the audio of a benchmark frame: <see cref="TelnyxFrames.SilenceFrame(int, int)"/> at the run's payload
/// size. Stricter than the simulator's <see cref="TelnyxFrames.TryReadSilenceIndex"/>, which only times echoes: every
/// byte after the index must still be silence, so a payload corrupted on the way counts as an unmatched echo.
/// </summary>
internal static class AudioPattern
{
    /// <summary>Room for the index.</summary>
    public const int MinimumBytes = sizeof(int);

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
