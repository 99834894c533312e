using System.Security.Cryptography;
using System.Text.Json.Serialization;

namespace Gateway.Registry;

/// <summary>
/// Which hold clip an agent has: the SHA-256 of its WAV as uploaded, its sample rate and length. Small, so it travels
/// with the agent in the registry (its document in Redis, every replica's snapshot): each replica knows which clip is
/// current without reading the audio, and reads the audio, once per clip, only where a call needs it.
/// </summary>
public sealed record HoldClip(string Sha256, int SampleRate, int Samples)
{
    /// <summary>The reference of a WAV file the parser took.</summary>
    public static HoldClip Of(ReadOnlySpan<byte> wav, HoldClipWav format) =>
        new(HashOf(wav), format.SampleRate, format.SampleCount);

    /// <summary>Lower-case hex SHA-256, as <c>sha256sum</c> prints it.</summary>
    public static string HashOf(ReadOnlySpan<byte> wav) => Convert.ToHexStringLower(SHA256.HashData(wav));

    /// <summary>The clip's length.</summary>
    [JsonIgnore]
    public double Seconds => (double)Samples / SampleRate;

    /// <summary>The clip's entity tag: its whole hash, so a client can check it against its own file.</summary>
    [JsonIgnore]
    public string ETag => $"\"{Sha256}\"";

    /// <summary>Whether a reference read back from the registry can be one the gateway wrote.</summary>
    [JsonIgnore]
    public bool IsValid =>
        Sha256.Length == 64 && Sha256.All(char.IsAsciiHexDigitLower)
        && HoldClipWav.SampleRates.Contains(SampleRate)
        && Samples is > 0 && Samples <= HoldClipWav.MaxSeconds * SampleRate;
}
