using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Gateway.CallSimulator;

/// <summary>
/// The JSON text frames of Telnyx's media-stream protocol, in both directions, with the field order and string-typed
/// numbers of Telnyx's own examples so that byte-exact comparisons through a relay are meaningful.
/// </summary>
public static class TelnyxFrames
{
    /// <summary>20 ms of 8 kHz PCMU.</summary>
    public const int SilenceFrameLength = 160;

    /// <summary>PCMU encodes a zero sample as 0xFF.</summary>
    public const byte PcmuSilence = 0xFF;

    public static byte[] Connected()
    {
        using var frame = new FrameBuilder();
        frame.Writer.WriteString("event", "connected");
        frame.Writer.WriteString("version", "1.0.0");
        return frame.ToArray();
    }

    public static byte[] Start(TelnyxCallInfo call)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var frame = new FrameBuilder();
        var writer = frame.Writer;
        writer.WriteString("event", "start");
        writer.WriteString("sequence_number", "1");
        writer.WriteString("stream_id", call.StreamId);
        writer.WriteStartObject("start");
        writer.WriteString("user_id", call.UserId);
        writer.WriteString("call_control_id", call.CallControlId);
        writer.WriteString("call_session_id", call.CallSessionId);
        writer.WriteString("from", call.From);
        writer.WriteString("to", call.To);
        writer.WriteStartObject("custom_parameters");
        foreach (var (name, value) in call.CustomParameters)
        {
            writer.WriteString(name, value);
        }

        writer.WriteEndObject();
        writer.WriteStartObject("media_format");
        writer.WriteString("encoding", "PCMU");
        writer.WriteNumber("sample_rate", 8000);
        writer.WriteNumber("channels", 1);
        writer.WriteEndObject();
        writer.WriteEndObject();
        return frame.ToArray();
    }

    public static byte[] Media(TelnyxCallInfo call, int sequenceNumber, int chunk, long timestamp, ReadOnlySpan<byte> audio)
    {
        using var writer = new MediaFrameWriter(call, audio.Length);
        return writer.Write(sequenceNumber, chunk, timestamp, audio).ToArray();
    }

    public static byte[] Dtmf(TelnyxCallInfo call, int sequenceNumber, char digit, DateTimeOffset occurredAt)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var frame = new FrameBuilder();
        var writer = frame.Writer;
        writer.WriteString("event", "dtmf");
        writer.WriteString("stream_id", call.StreamId);
        // Telnyx stamps DTMF in UTC with microseconds, e.g. 2025-06-05T08:54:19.698408Z.
        writer.WriteString(
            "occurred_at",
            occurredAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
        writer.WriteString("sequence_number", Text(sequenceNumber));
        writer.WriteStartObject("dtmf");
        writer.WriteString("digit", digit.ToString());
        writer.WriteEndObject();
        return frame.ToArray();
    }

    public static byte[] Stop(TelnyxCallInfo call, int sequenceNumber)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var frame = new FrameBuilder();
        var writer = frame.Writer;
        writer.WriteString("event", "stop");
        writer.WriteString("sequence_number", Text(sequenceNumber));
        writer.WriteStartObject("stop");
        writer.WriteString("user_id", call.UserId);
        writer.WriteString("call_control_id", call.CallControlId);
        writer.WriteEndObject();
        writer.WriteString("stream_id", call.StreamId);
        return frame.ToArray();
    }

    public static byte[] BotMedia(ReadOnlySpan<byte> audio)
    {
        using var frame = new FrameBuilder();
        frame.Writer.WriteString("event", "media");
        frame.Writer.WriteStartObject("media");
        frame.Writer.WriteBase64String("payload", audio);
        frame.Writer.WriteEndObject();
        return frame.ToArray();
    }

    public static byte[] BotMark(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        using var frame = new FrameBuilder();
        frame.Writer.WriteString("event", "mark");
        frame.Writer.WriteStartObject("mark");
        frame.Writer.WriteString("name", name);
        frame.Writer.WriteEndObject();
        return frame.ToArray();
    }

    public static byte[] BotClear()
    {
        using var frame = new FrameBuilder();
        frame.Writer.WriteString("event", "clear");
        return frame.ToArray();
    }

    /// <summary>
    /// Silence that still identifies itself: the frame index rides big-endian in the first four bytes, so an echo
    /// can be matched to the frame it answers and its round trip measured.
    /// </summary>
    public static byte[] SilenceFrame(int index) => SilenceFrame(index, SilenceFrameLength);

    /// <summary><see cref="SilenceFrame(int)"/> of any length from four bytes up, for payloads of other sizes.</summary>
    public static byte[] SilenceFrame(int index, int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, sizeof(int));
        var audio = new byte[length];
        audio.AsSpan().Fill(PcmuSilence);
        StampSilenceIndex(audio, index);
        return audio;
    }

    /// <summary>
    /// Turns a <see cref="SilenceFrame(int)"/> into the one for <paramref name="index"/> in place, so a call can send
    /// every frame from one buffer.
    /// </summary>
    public static void StampSilenceIndex(Span<byte> audio, int index) => BinaryPrimitives.WriteInt32BigEndian(audio, index);

    /// <summary>The index <see cref="SilenceFrame(int)"/> stamped into <paramref name="audio"/>, if it has that frame's size.</summary>
    public static bool TryReadSilenceIndex(ReadOnlySpan<byte> audio, out int index)
    {
        if (audio.Length != SilenceFrameLength)
        {
            index = 0;
            return false;
        }

        index = BinaryPrimitives.ReadInt32BigEndian(audio);
        return true;
    }

    /// <summary>Bytes that open every <see cref="MarkedFrame"/>: "TXMK", unlikely in real audio together with an index.</summary>
    public static ReadOnlySpan<byte> Marker => "TXMK"u8;

    /// <summary>The marker and the index it carries.</summary>
    public const int MarkerLength = 8;

    /// <summary>
    /// 20 ms of silence that opens with <see cref="Marker"/> and the frame's index (big-endian). A bot that re-frames
    /// the audio it echoes (a Pipecat bot answers in 40 ms chunks of 320 bytes) keeps the bytes, so the marker is still
    /// found by <see cref="FindMarkers"/> wherever it lands in a reply.
    /// </summary>
    public static byte[] MarkedFrame(int index)
    {
        var audio = new byte[SilenceFrameLength];
        audio.AsSpan().Fill(PcmuSilence);
        StampMarker(audio, index);
        return audio;
    }

    /// <summary>Turns a <see cref="MarkedFrame"/> into the one for <paramref name="index"/> in place.</summary>
    public static void StampMarker(Span<byte> audio, int index)
    {
        Marker.CopyTo(audio);
        BinaryPrimitives.WriteInt32BigEndian(audio[Marker.Length..], index);
    }

    /// <summary>
    /// Every index a <see cref="MarkedFrame"/> left whole in <paramref name="audio"/>, in order, at any offset: one for
    /// a 160-byte echo, two for a 320-byte chunk, none for a marker a re-framing cut in two.
    /// </summary>
    public static int FindMarkers(ReadOnlySpan<byte> audio, Span<int> indexes)
    {
        var found = 0;
        var offset = 0;
        while (found < indexes.Length)
        {
            var at = audio[offset..].IndexOf(Marker);
            if (at < 0 || offset + at + MarkerLength > audio.Length)
            {
                break;
            }

            offset += at;
            indexes[found++] = BinaryPrimitives.ReadInt32BigEndian(audio[(offset + Marker.Length)..]);
            offset += MarkerLength;
        }

        return found;
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>One compact JSON object, written straight to UTF-8.</summary>
    private sealed class FrameBuilder : IDisposable
    {
        // The default encoder escapes '+' (E.164 numbers, base64) as \u002B, which Telnyx does not do.
        private static readonly JsonWriterOptions Options = new()
        {
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            Indented = false,
        };

        private readonly ArrayBufferWriter<byte> _buffer = new(256);

        public FrameBuilder()
        {
            Writer = new Utf8JsonWriter(_buffer, Options);
            Writer.WriteStartObject();
        }

        public Utf8JsonWriter Writer { get; }

        public byte[] ToArray()
        {
            Writer.WriteEndObject();
            Writer.Flush();
            return _buffer.WrittenSpan.ToArray();
        }

        public void Dispose() => Writer.Dispose();
    }
}
