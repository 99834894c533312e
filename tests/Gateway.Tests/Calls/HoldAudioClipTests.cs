using System.Buffers.Binary;
using System.Text;
using Gateway.Calls;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Calls;

/// <summary>
/// An uploaded hold clip in the call's codec: 20 ms media frames whose payloads are exactly G.711 of its samples, or its
/// samples big-endian (L16), at the call's rate; read once per clip, codec and rate, and kept within a bound.
/// </summary>
public sealed class HoldAudioClipTests
{
    private static readonly AgentKey Support = new("acme", "support");

    [Fact]
    public void PCMU_frames_are_G711_mu_law_of_the_clips_samples_byte_for_byte()
    {
        var samples = TestWavs.Noise(400);

        var frames = HoldAudio.ClipFrames(samples, 8000, "PCMU", 8000);

        // 400 samples: two whole frames of 160, and a third whose last 80 are silence (0xFF in μ-law).
        var expected = samples.Select(G711.MuLaw).Concat(Enumerable.Repeat((byte)0xFF, 80)).Chunk(160).Select(MediaFrame);
        Assert.Equal(expected, frames);
    }

    [Fact]
    public void PCMA_frames_are_G711_A_law_of_the_clips_samples()
    {
        var samples = TestWavs.Noise(320, seed: 3);

        var frames = HoldAudio.ClipFrames(samples, 8000, "PCMA", 8000);

        Assert.Equal(samples.Select(G711.ALaw).Chunk(160).Select(MediaFrame), frames);
    }

    [Fact]
    public void L16_frames_at_16_kHz_carry_a_16_kHz_clips_samples_big_endian()
    {
        var samples = TestWavs.Noise(640, seed: 5);

        var frames = HoldAudio.ClipFrames(samples, 16000, "L16", 16000);

        Assert.Equal(2, frames.Length);
        Assert.Equal(samples.Chunk(320).Select(frame => MediaFrame(BigEndian(frame))), frames);
    }

    [Fact]
    public void An_8_kHz_clip_at_16_kHz_takes_each_sample_and_the_midpoint_to_the_next()
    {
        short[] samples = [0, 100, -100, 30000, -30000, 7, 9, 1000];

        var resampled = HoldAudio.Resample(samples, 8000, 16000);

        Assert.Equal([0, 50, 100, 0, -100, 14950, 30000, 0, -30000, -14996, 7, 8, 9, 504, 1000, 1000], resampled);
    }

    [Fact]
    public void A_16_kHz_clip_in_PCMU_is_the_mean_of_each_pair_of_samples_in_mu_law()
    {
        var samples = TestWavs.Noise(320, seed: 11).Select(s => (short)(s & ~1)).ToArray();

        var frames = HoldAudio.ClipFrames(samples, 16000, "PCMU", 8000);

        var means = samples.Chunk(2).Select(pair => (short)((pair[0] + pair[1]) / 2));
        Assert.Equal([MediaFrame(means.Select(G711.MuLaw).ToArray())], frames);
    }

    [Fact]
    public void Other_rates_are_interpolated_linearly()
    {
        var resampled = HoldAudio.Resample([0, 300, 600, 900], 16000, 24000);

        Assert.Equal([0, 200, 400, 600, 800, 900], resampled);
    }

    [Fact]
    public async Task A_clip_is_read_once_per_codec_and_rate_and_other_codecs_get_nothing()
    {
        var (registry, agent) = await AgentWithClipAsync(TestWavs.Pcm(TestWavs.Tone(0.1)));
        var frames = new HoldClipFrames(registry, NullLogger<HoldClipFrames>.Instance, TimeProvider.System);

        var first = await frames.ForCallAsync(agent, "PCMU", 8000);
        var again = await frames.ForCallAsync(agent, "pcmu", null);
        var l16 = await frames.ForCallAsync(agent, "L16", 16000);

        Assert.Same(first, again);
        Assert.Equal(5, first!.Length);
        Assert.Equal(5, l16!.Length);
        Assert.Equal(2, registry.Reads);
        Assert.Null(await frames.ForCallAsync(agent, "G722", 16000));
        Assert.Null(await frames.ForCallAsync(agent, "OPUS", 16000));
    }

    [Fact]
    public async Task Past_its_bound_the_least_recently_used_frames_go()
    {
        var (registry, agent) = await AgentWithClipAsync(TestWavs.Pcm(TestWavs.Tone(1)));
        var pcmuBytes = HoldAudio.ClipFrames(TestWavs.Tone(1), 8000, "PCMU", 8000).Sum(f => (long)f.Length);
        var frames = new HoldClipFrames(registry, NullLogger<HoldClipFrames>.Instance, maxBytes: pcmuBytes + 100);

        await frames.ForCallAsync(agent, "PCMU", 8000);
        await frames.ForCallAsync(agent, "PCMA", 8000);
        await frames.ForCallAsync(agent, "PCMA", 8000);
        await frames.ForCallAsync(agent, "PCMU", 8000);

        Assert.Equal(3, registry.Reads);
        Assert.Equal(pcmuBytes, frames.Bytes);
    }

    [Fact]
    public async Task A_clip_the_registry_cannot_give_is_held_in_silence_and_read_again_after_a_while()
    {
        var (registry, agent) = await AgentWithClipAsync(TestWavs.Pcm(TestWavs.Tone(0.1)));
        var clock = new ShiftedTimeProvider();
        var frames = new HoldClipFrames(registry, NullLogger<HoldClipFrames>.Instance, clock);
        registry.Fail = true;

        var held = await frames.ForCallAsync(agent, "PCMU", 8000);
        registry.Fail = false;

        // Calls meanwhile hold in silence without asking the registry again.
        Assert.Equal(HoldAudio.Frames(HoldAudioKind.Silence, "PCMU", 8000), await frames.ForCallAsync(agent, "PCMU", 8000));
        Assert.Equal(1, registry.Reads);
        clock.Advance(HoldClipFrames.RetryAfterFailure);
        var later = await frames.ForCallAsync(agent, "PCMU", 8000);

        Assert.Equal(HoldAudio.Frames(HoldAudioKind.Silence, "PCMU", 8000), held);
        Assert.Equal(5, later!.Length);
        Assert.Equal(2, registry.Reads);
    }

    [Fact]
    public async Task Silence_and_tone_need_no_clip()
    {
        var registry = new CountingRegistry();
        var frames = new HoldClipFrames(registry, NullLogger<HoldClipFrames>.Instance, TimeProvider.System);
        var tone = new RegisteredAgent(Support, new AgentResource { Continuity = new AgentContinuity { Hold = HoldAudioKind.Tone } }, 1);
        var clipWithoutOne = new RegisteredAgent(Support, new AgentResource { Continuity = new AgentContinuity { Hold = HoldAudioKind.Clip } }, 1);

        Assert.Same(HoldAudio.Frames(HoldAudioKind.Tone, "PCMU", 8000), await frames.ForCallAsync(tone, "PCMU", 8000));
        Assert.Same(HoldAudio.Frames(HoldAudioKind.Silence, "PCMU", 8000), await frames.ForCallAsync(clipWithoutOne, "PCMU", 8000));
        Assert.Equal(0, registry.Reads);
    }

    private static async Task<(CountingRegistry Registry, RegisteredAgent Agent)> AgentWithClipAsync(byte[] wav)
    {
        var registry = new CountingRegistry();
        var revision = await registry.PutAsync(Support, new AgentResource { Continuity = new AgentContinuity { Hold = HoldAudioKind.Clip } });
        Assert.NotNull(await registry.PutHoldClipIfRevisionAsync(Support, TestWavs.Reference(wav), wav, revision));
        Assert.True(registry.Current.TryGet(Support, out var agent));
        return (registry, agent);
    }

    private static byte[] MediaFrame(byte[] payload) =>
        Encoding.UTF8.GetBytes($$$"""{"event":"media","media":{"payload":"{{{Convert.ToBase64String(payload)}}}"}}""");

    private static byte[] BigEndian(short[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (var i = 0; i < samples.Length; i++)
        {
            BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(2 * i), samples[i]);
        }

        return bytes;
    }

    /// <summary>The in-process registry, counting its clip reads, and failing them when told (a Redis gone away).</summary>
    private sealed class CountingRegistry : IAgentRegistry
    {
        private readonly EmbeddedAgentRegistry _inner = new(new Dictionary<AgentKey, AgentResource>());
        private int _reads;

        public int Reads => Volatile.Read(ref _reads);

        public bool Fail { get; set; }

        public RegistrySnapshot Current => _inner.Current;

        public Task<long> PutAsync(AgentKey key, AgentResource resource, CancellationToken cancellationToken = default) => _inner.PutAsync(key, resource, cancellationToken);

        public Task<bool> DeleteAsync(AgentKey key, CancellationToken cancellationToken = default) => _inner.DeleteAsync(key, cancellationToken);

        public Task<long?> PutIfRevisionAsync(AgentKey key, AgentResource resource, long expectedRevision, CancellationToken cancellationToken = default) =>
            _inner.PutIfRevisionAsync(key, resource, expectedRevision, cancellationToken);

        public Task<bool?> DeleteIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default) =>
            _inner.DeleteIfRevisionAsync(key, expectedRevision, cancellationToken);

        public Task<long?> PutHoldClipIfRevisionAsync(AgentKey key, HoldClip clip, ReadOnlyMemory<byte> wav, long expectedRevision, CancellationToken cancellationToken = default) =>
            _inner.PutHoldClipIfRevisionAsync(key, clip, wav, expectedRevision, cancellationToken);

        public Task<long?> DeleteHoldClipIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default) =>
            _inner.DeleteHoldClipIfRevisionAsync(key, expectedRevision, cancellationToken);

        public Task<byte[]?> ReadHoldClipAsync(AgentKey key, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _reads);
            return Fail ? throw new TimeoutException("the registry did not answer") : _inner.ReadHoldClipAsync(key, cancellationToken);
        }
    }
}
