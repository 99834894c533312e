using System.Buffers.Binary;
using System.Text.Json;
using Gateway.Calls;
using Gateway.Registry;

namespace Gateway.Tests.Calls;

/// <summary>Hold audio is 20 ms Telnyx media frames in the call's codec: G.711 by the standard's own quantisation.</summary>
public sealed class HoldAudioTests
{
    [Theory]
    [InlineData("PCMU", 8000, 160, 0xFF)]
    [InlineData("PCMA", 8000, 160, 0xD5)]
    [InlineData("pcmu", null, 160, 0xFF)]
    [InlineData("L16", 16000, 640, 0x00)]
    [InlineData("L16", 8000, 320, 0x00)]
    public void Silence_is_one_frame_of_the_codecs_silence(string encoding, int? rate, int bytes, int silence)
    {
        var frames = HoldAudio.Frames(HoldAudioKind.Silence, encoding, rate)!;

        var payload = Assert.Single(frames.Select(Payload));
        Assert.Equal(Enumerable.Repeat((byte)silence, bytes), payload);
    }

    [Theory]
    [InlineData("G722")]
    [InlineData("OPUS")]
    [InlineData("AMR-WB")]
    public void Other_codecs_get_no_hold_audio(string encoding) => Assert.Null(HoldAudio.Frames(HoldAudioKind.Tone, encoding, 16000));

    [Fact]
    public void The_tone_is_half_a_second_of_440_Hz_then_a_second_and_a_half_of_silence()
    {
        var frames = HoldAudio.Frames(HoldAudioKind.Tone, "L16", 8000)!.Select(Payload).ToList();

        Assert.Equal(100, frames.Count);
        var samples = frames.Take(25).SelectMany(Samples).ToList();
        var crossings = samples.Zip(samples.Skip(1)).Count(pair => pair.First < 0 && pair.Second >= 0);
        Assert.InRange(crossings, 219, 221);
        Assert.InRange(samples.Max(), 4000, 4200);
        Assert.All(frames.Skip(25), frame => Assert.All(frame, b => Assert.Equal(0, b)));
    }

    [Fact]
    public void G711_encodes_within_the_quantisation_step_of_each_segment()
    {
        for (var sample = -32768; sample <= 32767; sample += 7)
        {
            var s = (short)sample;
            Assert.InRange(Math.Abs(MuLawDecode(G711.MuLaw(s)) - Math.Clamp(sample, -32635, 32635)), 0, 1024);
            Assert.InRange(Math.Abs(ALawDecode(G711.ALaw(s)) - sample), 0, 1024);
        }

        Assert.Equal((0xFF, 0xD5), (G711.MuLaw(0), G711.ALaw(0)));
        Assert.Equal((0x80, 0xAA), (G711.MuLaw(short.MaxValue), G711.ALaw(short.MaxValue)));
    }

    private static byte[] Payload(byte[] frame)
    {
        using var json = JsonDocument.Parse(frame);
        Assert.Equal("media", json.RootElement.GetProperty("event").GetString());
        return json.RootElement.GetProperty("media").GetProperty("payload").GetBytesFromBase64();
    }

    private static IEnumerable<short> Samples(byte[] payload) =>
        Enumerable.Range(0, payload.Length / 2).Select(i => BinaryPrimitives.ReadInt16BigEndian(payload.AsSpan(2 * i)));

    // Decoders from ITU-T G.711's tables, written independently of the encoder.
    private static int MuLawDecode(byte code)
    {
        var u = ~code & 0xFF;
        var magnitude = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4);
        return (u & 0x80) != 0 ? 0x84 - magnitude : magnitude - 0x84;
    }

    private static int ALawDecode(byte code)
    {
        var a = code ^ 0x55;
        var segment = (a & 0x70) >> 4;
        var magnitude = segment == 0 ? ((a & 0x0F) << 4) + 8 : (((a & 0x0F) << 4) + 0x108) << (segment - 1);
        return (a & 0x80) != 0 ? magnitude : -magnitude;
    }
}
