using System.Text;
using Gateway.CallSimulator;

namespace Gateway.Tests.CallSimulator;

/// <summary>
/// The one writer of Telnyx media frames, used per call by the simulator and the benchmark and through
/// <see cref="TelnyxFrames.Media"/> by the tests: Telnyx's field order, string-typed numbers, base64 unescaped, and a
/// reused buffer that never carries a byte over from the frame before.
/// </summary>
public sealed class MediaFrameWriterTests
{
    private static readonly TelnyxCallInfo Call = new(
        "32DE0DEA-53CB-4B21-89A4-9E1819C043BC",
        "v3:u5OAKGEPT3Dx8SZSSDRWEMdNH2OripQhO",
        "68e2a0a2-9f3e-11f0-a2a4-02420a1f0b69",
        "+13122011234",
        "+13122125678",
        "7A2B6C1D-0E3F-4A5B-8C9D-0E1F2A3B4C5D",
        new Dictionary<string, string>());

    [Fact]
    public void A_frame_has_Telnyx_field_order_string_numbers_and_an_unescaped_base64_payload()
    {
        using var writer = new MediaFrameWriter(Call, 3);

        var frame = writer.Write(7, 6, 100, [0xFB, 0xEF, 0xFF]);

        Assert.Equal(
            """{"event":"media","sequence_number":"7","media":{"track":"inbound","chunk":"6","timestamp":"100","payload":"++//"},"stream_id":"32DE0DEA-53CB-4B21-89A4-9E1819C043BC"}""",
            Encoding.UTF8.GetString(frame.Span));
    }

    [Fact]
    public void Frame_n_of_a_call_is_chunk_n_plus_1_at_20_ms_per_frame()
    {
        using var writer = new MediaFrameWriter(Call, TelnyxFrames.SilenceFrameLength);

        var frame = writer.WriteAt(51, 49, TelnyxFrames.SilenceFrame(49));

        Assert.Equal(
            """{"event":"media","sequence_number":"51","media":{"track":"inbound","chunk":"50","timestamp":"980","payload":"AAAAMf///////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////////w=="},"stream_id":"32DE0DEA-53CB-4B21-89A4-9E1819C043BC"}""",
            Encoding.UTF8.GetString(frame.Span));
    }

    [Fact]
    public void Numbers_at_their_limits_are_written_in_full()
    {
        using var writer = new MediaFrameWriter(Call, 0);

        var frame = writer.Write(int.MaxValue, int.MinValue, long.MinValue, []);

        Assert.Equal(
            """{"event":"media","sequence_number":"2147483647","media":{"track":"inbound","chunk":"-2147483648","timestamp":"-9223372036854775808","payload":""},"stream_id":"32DE0DEA-53CB-4B21-89A4-9E1819C043BC"}""",
            Encoding.UTF8.GetString(frame.Span));
    }

    [Fact]
    public void Each_frame_replaces_the_one_before_whatever_their_sizes()
    {
        using var reused = new MediaFrameWriter(Call, 4);
        var audio = TelnyxFrames.SilenceFrame(0, 8);

        reused.WriteAt(123_456, 123_454, new byte[4096]);
        TelnyxFrames.StampSilenceIndex(audio, 0);
        var frame = reused.WriteAt(2, 0, audio).ToArray();

        Assert.Equal(
            """{"event":"media","sequence_number":"2","media":{"track":"inbound","chunk":"1","timestamp":"0","payload":"AAAAAP////8="},"stream_id":"32DE0DEA-53CB-4B21-89A4-9E1819C043BC"}""",
            Encoding.UTF8.GetString(frame));
    }

    [Fact]
    public void TelnyxFrames_Media_is_the_writer_s_frame_copied_out()
    {
        using var writer = new MediaFrameWriter(Call, TelnyxFrames.SilenceFrameLength);
        var audio = TelnyxFrames.SilenceFrame(3);

        Assert.Equal(writer.Write(5, 4, 60, audio).ToArray(), TelnyxFrames.Media(Call, 5, 4, 60, audio));
    }

    [Fact]
    public void Silence_carries_its_index_big_endian_in_the_first_four_bytes()
    {
        var audio = TelnyxFrames.SilenceFrame(0x01020304, 6);
        Assert.Equal(new byte[] { 0x01, 0x02, 0x03, 0x04, 0xFF, 0xFF }, audio);

        TelnyxFrames.StampSilenceIndex(audio, 258);
        Assert.Equal(new byte[] { 0x00, 0x00, 0x01, 0x02, 0xFF, 0xFF }, audio);

        Assert.Equal(TelnyxFrames.SilenceFrame(7, TelnyxFrames.SilenceFrameLength), TelnyxFrames.SilenceFrame(7));
        Assert.True(TelnyxFrames.TryReadSilenceIndex(TelnyxFrames.SilenceFrame(7), out var index));
        Assert.Equal(7, index);
        Assert.Throws<ArgumentOutOfRangeException>(() => TelnyxFrames.SilenceFrame(0, 3));
    }

    [Fact]
    public void Markers_are_found_in_an_echo_in_a_chunk_of_two_frames_and_not_when_cut_in_two()
    {
        Span<int> found = stackalloc int[4];
        var first = TelnyxFrames.MarkedFrame(7);
        var second = TelnyxFrames.MarkedFrame(8);
        byte[] chunk = [.. first, .. second];

        Assert.Equal(1, TelnyxFrames.FindMarkers(first, found));
        Assert.Equal(7, found[0]);
        Assert.Equal(2, TelnyxFrames.FindMarkers(chunk, found));
        Assert.Equal([7, 8], found[..2].ToArray());
        Assert.Equal(1, TelnyxFrames.FindMarkers(chunk.AsSpan(4), found));
        Assert.Equal(8, found[0]);
        Assert.Equal(1, TelnyxFrames.FindMarkers(chunk.AsSpan(0, 166), found));
        Assert.Equal(7, found[0]);
        Assert.Equal(0, TelnyxFrames.FindMarkers(chunk.AsSpan(162), found));
        Assert.Equal(0, TelnyxFrames.FindMarkers(TelnyxFrames.SilenceFrame(7), found));
    }
}
