using System.Buffers;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.CallSimulator;

/// <summary>
/// Writes one call's Telnyx media frames into a buffer the call reuses, with no allocation per frame: a load run sends
/// fifty frames a second on every call. <see cref="TelnyxFrames.Media"/> is this writer's output copied out, so every
/// media frame the simulator, the benchmark and the tests send has one layout.
/// </summary>
public sealed class MediaFrameWriter : IDisposable
{
    // The default encoder escapes '+' (base64) as \u002B, which Telnyx does not do.
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
    private readonly JsonEncodedText _streamId;

    /// <param name="call">The call whose stream id every frame carries.</param>
    /// <param name="payloadBytes">The audio size the buffer is made for; larger audio grows it once.</param>
    public MediaFrameWriter(TelnyxCallInfo call, int payloadBytes)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadBytes);
        _streamId = Encode(call.StreamId);
        _buffer = new ArrayBufferWriter<byte>(Base64.GetMaxEncodedToUtf8Length(payloadBytes) + 256);
        _writer = new Utf8JsonWriter(_buffer, Options);
    }

    /// <summary>
    /// The media frame with this sequence number, chunk, timestamp (ms) and audio, numbers string-typed as Telnyx
    /// writes them; valid until the next call.
    /// </summary>
    public ReadOnlyMemory<byte> Write(int sequenceNumber, int chunk, long timestamp, ReadOnlySpan<byte> audio)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        Span<byte> digits = stackalloc byte[20];
        _writer.WriteStartObject();
        _writer.WriteString(EventName, MediaValue);
        _writer.WriteString(SequenceNumberName, Digits(sequenceNumber, digits));
        _writer.WriteStartObject(MediaName);
        _writer.WriteString(TrackName, InboundValue);
        _writer.WriteString(ChunkName, Digits(chunk, digits));
        _writer.WriteString(TimestampName, Digits(timestamp, digits));
        _writer.WriteBase64String(PayloadName, audio);
        _writer.WriteEndObject();
        _writer.WriteString(StreamIdName, _streamId);
        _writer.WriteEndObject();
        _writer.Flush();
        return _buffer.WrittenMemory;
    }

    /// <summary>
    /// Media frame <paramref name="index"/> (from 0) of a call that sends one every <see cref="CallRunner.FrameInterval"/>
    /// from the start of its audio: chunks count from 1, timestamps from 0 ms; valid until the next call.
    /// </summary>
    public ReadOnlyMemory<byte> WriteAt(int sequenceNumber, int index, ReadOnlySpan<byte> audio) =>
        Write(sequenceNumber, index + 1, index * (long)CallRunner.FrameInterval.TotalMilliseconds, audio);

    public void Dispose() => _writer.Dispose();

    /// <summary>A number as the UTF-8 digits of a JSON string, formatted on the stack: long.MinValue needs 20 bytes.</summary>
    private static ReadOnlySpan<byte> Digits(long value, Span<byte> destination) =>
        Utf8Formatter.TryFormat(value, destination, out var written) ? destination[..written] : [];

    private static JsonEncodedText Encode(string text) => JsonEncodedText.Encode(text, JavaScriptEncoder.UnsafeRelaxedJsonEscaping);
}
