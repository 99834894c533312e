using System.Buffers;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.CallSimulator;

namespace Gateway.Benchmarks;

/// <summary>
/// Writes one call's Telnyx media frames into a buffer the call reuses, byte for byte what
/// <see cref="TelnyxFrames.Media"/> writes (checked by <see cref="SelfCheck"/>) but with no allocation per frame:
/// the audio is <see cref="AudioPattern"/> and only its first four bytes change from one frame to the next.
/// </summary>
internal sealed class MediaFrameWriter : IDisposable
{
    private static readonly JsonWriterOptions Options = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private static readonly JsonEncodedText EventName = Encode("event");
    private static readonly JsonEncodedText MediaValue = Encode("media");
    private static readonly JsonEncodedText SequenceNumberName = Encode("sequence_number");
    private static readonly JsonEncodedText MediaName = Encode("media");
    private static readonly JsonEncodedText TrackName = Encode("track");
    private static readonly JsonEncodedText InboundValue = Encode("inbound");
    private static readonly JsonEncodedText ChunkName = Encode("chunk");
    private static readonly JsonEncodedText TimestampName = Encode("timestamp");
    private static readonly JsonEncodedText PayloadName = Encode("payload");
    private static readonly JsonEncodedText StreamIdName = Encode("stream_id");

    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly Utf8JsonWriter _writer;
    private readonly byte[] _audio;
    private readonly JsonEncodedText _streamId;

    public MediaFrameWriter(TelnyxCallInfo call, int payloadBytes)
    {
        ArgumentNullException.ThrowIfNull(call);
        _audio = AudioPattern.Create(payloadBytes);
        _streamId = Encode(call.StreamId);
        _buffer = new ArrayBufferWriter<byte>(Base64.GetMaxEncodedToUtf8Length(payloadBytes) + 256);
        _writer = new Utf8JsonWriter(_buffer, Options);
    }

    /// <summary>The frame for media frame <paramref name="index"/>; valid until the next call.</summary>
    public ReadOnlyMemory<byte> Write(int sequenceNumber, int index)
    {
        AudioPattern.Stamp(_audio, index);
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        Span<byte> digits = stackalloc byte[20];
        _writer.WriteStartObject();
        _writer.WriteString(EventName, MediaValue);
        _writer.WriteString(SequenceNumberName, Digits(sequenceNumber, digits));
        _writer.WriteStartObject(MediaName);
        _writer.WriteString(TrackName, InboundValue);
        _writer.WriteString(ChunkName, Digits(index + 1, digits));
        _writer.WriteString(TimestampName, Digits(index * (long)CallRunner.FrameInterval.TotalMilliseconds, digits));
        _writer.WriteBase64String(PayloadName, _audio);
        _writer.WriteEndObject();
        _writer.WriteString(StreamIdName, _streamId);
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenMemory;
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>
    /// Null when this writer's frames are identical to the simulator's for the same call, sequence number, chunk,
    /// timestamp and audio; otherwise what differs. Run once at start-up, so the benchmark sends what Telnyx sends.
    /// </summary>
    public static string? SelfCheck()
    {
        var call = TelnyxCallInfo.CreateRandom();
        using var writer = new MediaFrameWriter(call, TelnyxFrames.SilenceFrameLength);
        foreach (var index in new[] { 0, 1, 49, 12_345 })
        {
            var expected = TelnyxFrames.Media(
                call,
                index + 2,
                index + 1,
                index * (long)CallRunner.FrameInterval.TotalMilliseconds,
                TelnyxFrames.SilenceFrame(index));
            var actual = writer.Write(index + 2, index).ToArray();
            if (!expected.AsSpan().SequenceEqual(actual))
            {
                return $"media frame #{index} differs from TelnyxFrames.Media: "
                    + $"{System.Text.Encoding.UTF8.GetString(actual)} vs {System.Text.Encoding.UTF8.GetString(expected)}";
            }
        }

        return null;
    }

    private static ReadOnlySpan<byte> Digits(long value, Span<byte> destination) =>
        Utf8Formatter.TryFormat(value, destination, out var written) ? destination[..written] : [];

    private static JsonEncodedText Encode(string text) => JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
}
