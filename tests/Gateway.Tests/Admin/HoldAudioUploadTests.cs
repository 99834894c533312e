using System.Net;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Admin;

/// <summary>
/// What a hold clip upload refuses, each file with exactly what is wrong with it, and the odd but valid files it takes
/// (an extensible PCM format, chunks to skip, odd-sized ones with their pad byte, exactly 60 s).
/// </summary>
public sealed class HoldAudioUploadTests(HoldAudioUploadTests.Fixture fixture) : IClassFixture<HoldAudioUploadTests.Fixture>
{
    private const string Clip = "/admin/v1/orgs/acme/agents/support/hold-audio";
    private const string Rule = " A hold clip is a WAV file of mono 16-bit PCM at 8000 or 16000 Hz, at most 60 s.";

    private static readonly short[] Second = TestWavs.Tone(1);

    /// <summary>Each refused file and the reason its 400 <c>invalid_hold_audio</c> gives.</summary>
    private static readonly Dictionary<string, (Func<byte[]> File, string Reason)> Refused = new()
    {
        ["an MP3 file"] = (() => [.. "ID3"u8, 4, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFB, 0x90], "not a RIFF/WAVE file (it looks like MP3)"),
        ["a RIFF file of another form"] = (() => [.. "RIFF"u8, 4, 0, 0, 0, .. "AVI "u8], "not a RIFF/WAVE file (a RIFF file of form type 'AVI ')"),
        ["IEEE float samples"] = (() => TestWavs.Riff(TestWavs.Fmt(tag: 3, bits: 32), TestWavs.Data(Second)), "format tag 3 (IEEE float), not PCM (format tag 1)"),
        ["mu-law samples"] = (() => TestWavs.Riff(TestWavs.Fmt(tag: 7, bits: 8), TestWavs.Data(Second)), "format tag 7 (μ-law), not PCM (format tag 1)"),
        ["an extensible format of float samples"] = (() => TestWavs.Riff(TestWavs.FmtExtensible(subformat: 3), TestWavs.Data(Second)), "WAVE_FORMAT_EXTENSIBLE with subformat IEEE float, not PCM; a hold clip is PCM"),
        ["stereo"] = (() => TestWavs.Riff(TestWavs.Fmt(channels: 2), TestWavs.Data(Second)), "2 channels (stereo); a hold clip is mono"),
        ["8-bit samples"] = (() => TestWavs.Riff(TestWavs.Fmt(bits: 8), TestWavs.Data(Second)), "8-bit samples; a hold clip is 16-bit"),
        ["24-bit samples"] = (() => TestWavs.Riff(TestWavs.Fmt(bits: 24), TestWavs.Data(Second)), "24-bit samples; a hold clip is 16-bit"),
        ["44.1 kHz"] = (() => TestWavs.Riff(TestWavs.Fmt(rate: 44100), TestWavs.Data(Second)), "sample rate 44.1 kHz; a hold clip is 8000 or 16000 Hz"),
        ["a format that does not add up"] = (() => TestWavs.Riff(TestWavs.Fmt(blockAlign: 4), TestWavs.Data(Second)), "the fmt chunk does not add up: block align 4 and byte rate 32000, where mono 16-bit at 8000 Hz is 2 and 16000"),
        ["no data chunk"] = (() => TestWavs.Riff(TestWavs.Fmt(), TestWavs.Chunk("LIST", 10)), "no data chunk"),
        ["no chunk at all"] = (() => TestWavs.Riff(), "no fmt chunk and no data chunk"),
        ["data before its format"] = (() => TestWavs.Riff(TestWavs.Data(Second), TestWavs.Fmt()), "the data chunk comes before any fmt chunk"),
        ["a truncated data chunk"] = (() => TestWavs.Pcm(TestWavs.Tone(0.1))[..^600], "the data chunk is truncated: it declares 1600 bytes, the file holds 1000 after its header"),
        ["a file cut inside another chunk"] = (() => TestWavs.Riff(TestWavs.Fmt(), TestWavs.Chunk("LIST", 40))[..^10], "the file ends inside its 'LIST' chunk (40 bytes declared, 30 held), before any data chunk"),
        ["an empty data chunk"] = (() => TestWavs.Riff(TestWavs.Fmt(), ("data", [])), "the data chunk holds no samples"),
        ["half a sample"] = (() => TestWavs.Riff(TestWavs.Fmt(), ("data", [1, 2, 3])), "the data chunk holds 3 bytes, not a whole number of 16-bit samples"),
    };

    /// <summary>Each file taken though unusual, and the sample rate and samples read from it.</summary>
    private static readonly Dictionary<string, (Func<byte[]> File, int Rate, int Samples)> Taken = new()
    {
        ["an extensible format of PCM samples"] = (() => TestWavs.Riff(TestWavs.FmtExtensible(subformat: 1, rate: 16000), TestWavs.Data(TestWavs.Tone(0.25, 16000))), 16000, 4000),
        ["odd-sized chunks to skip before and after the data"] = (() => TestWavs.Riff(TestWavs.Chunk("LIST", 33), TestWavs.Fmt(), TestWavs.Chunk("fact", 3), TestWavs.Data(Second), TestWavs.Chunk("cue ", 7)), 8000, 8000),
        ["exactly 60 s at 16 kHz"] = (() => TestWavs.Pcm(new short[60 * 16000], 16000), 16000, 960000),
    };

    public static TheoryData<string> RefusedFiles => [.. Refused.Keys];

    public static TheoryData<string> TakenFiles => [.. Taken.Keys];

    [Theory]
    [MemberData(nameof(RefusedFiles))]
    public async Task A_file_that_is_not_a_hold_clip_is_refused_naming_what_is_wrong(string file)
    {
        var (wav, reason) = Refused[file];

        var answer = await fixture.Admin.SendBytesAsync(HttpMethod.Put, Clip, wav(), "audio/wav");

        answer.AssertProblem(HttpStatusCode.BadRequest, "invalid_hold_audio");
        Assert.Equal($"The hold clip is refused: {reason}.{Rule}", answer.Json.GetProperty("detail").GetString());
        Assert.Equal("Not a hold clip the gateway plays", answer.Json.GetProperty("title").GetString());
        Assert.Null(fixture.HoldClip);
    }

    [Theory]
    [MemberData(nameof(TakenFiles))]
    public async Task An_unusual_file_that_is_a_hold_clip_is_taken(string file)
    {
        var (wav, rate, samples) = Taken[file];
        var bytes = wav();

        var answer = await fixture.Admin.SendBytesAsync(HttpMethod.Put, Clip, bytes, "audio/wav");
        var clip = fixture.HoldClip;
        await fixture.RemoveClipAsync();

        Assert.True(answer.Status is HttpStatusCode.Created or HttpStatusCode.OK, answer.Body);
        Assert.Equal((rate, samples), (clip!.SampleRate, clip.Samples));
        Assert.Equal(HoldClip.HashOf(bytes), clip.Sha256);
    }

    [Theory]
    [InlineData(8000, 61 * 8000, "61 s")]
    [InlineData(16000, (60 * 16000) + 1, "60.001 s")]
    public async Task A_clip_over_60_s_is_413(int rate, int samples, string length)
    {
        var answer = await fixture.Admin.SendBytesAsync(HttpMethod.Put, Clip, TestWavs.Pcm(new short[samples], rate), "audio/wav");

        answer.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "hold_audio_too_large");
        Assert.Equal($"The hold clip is refused: {length} of audio; a hold clip is at most 60 s.", answer.Json.GetProperty("detail").GetString());
        Assert.Null(fixture.HoldClip);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_body_larger_than_any_clip_is_413_before_it_is_read(bool chunked)
    {
        var body = new byte[HoldClipWav.MaxFileBytes + 1];

        var answer = await fixture.Admin.SendBytesAsync(HttpMethod.Put, Clip, body, "audio/wav", chunked);

        answer.AssertProblem(HttpStatusCode.RequestEntityTooLarge, "hold_audio_too_large");
        Assert.Equal(
            "The body is over 4194304 bytes; a hold clip is at most 60 s of 16 kHz mono 16-bit PCM (1920000 bytes of samples).",
            answer.Json.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("audio/mpeg")]
    [InlineData(null)]
    public async Task Another_media_type_is_415(string? contentType)
    {
        var answer = await fixture.Admin.SendBytesAsync(HttpMethod.Put, Clip, TestWavs.Pcm(Second), contentType);

        answer.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal("Send the clip as audio/wav (mono 16-bit PCM at 8000 or 16000 Hz).", answer.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_clip_for_an_agent_that_does_not_exist_is_404()
    {
        var answer = await fixture.Admin.SendBytesAsync(HttpMethod.Put, "/admin/v1/orgs/acme/agents/nobody/hold-audio", TestWavs.Pcm(Second), "audio/wav");

        answer.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("No agent 'nobody' in organization 'acme'.", answer.Json.GetProperty("detail").GetString());
    }

    /// <summary>One gateway (embedded registry) with agent acme/support, for every case: none leaves a clip behind.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public GatewayHost Gateway { get; private set; } = null!;

        public AdminClient Admin { get; private set; } = null!;

        public HoldClip? HoldClip => Gateway.Registry.Current.TryGet(new("acme", "support"), out var agent) ? agent.HoldClip : null;

        public async Task InitializeAsync()
        {
            Gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
            Admin = new AdminClient(Gateway, AdminTokens.ForOrg("acme"));
            (await Admin.PutAsync("/admin/v1/orgs/acme/agents/support", "{}")).AssertStatus(HttpStatusCode.Created);
        }

        public async Task RemoveClipAsync() => (await Admin.DeleteAsync(Clip)).AssertStatus(HttpStatusCode.NoContent);

        public async Task DisposeAsync() => await Gateway.DisposeAsync();
    }
}
