using System.Net;
using Gateway.Calls;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Calls;

/// <summary>
/// Two gateway replicas on one Redis: a hold clip uploaded through either is the one both hand out and both play, the
/// newest one once it is replaced, and the rules on it hold on both.
/// </summary>
public sealed class HoldAudioReplicaTests : IAsyncLifetime
{
    private const string Agent = "/admin/v1/orgs/acme/agents/support";
    private const string Clip = Agent + "/hold-audio";

    private static readonly AgentKey Support = new("acme", "support");

    private GatewayHost _first = null!;
    private GatewayHost _second = null!;

    [Fact]
    public async Task A_clip_uploaded_through_one_replica_is_the_one_every_replica_plays()
    {
        var viaFirst = new AdminClient(_first, AdminTokens.ForOrg("acme"));
        var viaSecond = new AdminClient(_second, AdminTokens.ForOrg("acme"));
        var tone = TestWavs.Tone(1);
        var noise = TestWavs.Noise(8000, seed: 2);
        var first = TestWavs.Pcm(tone);
        var second = TestWavs.Pcm(noise, 16000);
        (await viaFirst.PutAsync(Agent, """{"continuity":{"reconnect":{}}}""")).AssertStatus(HttpStatusCode.Created);

        var uploaded = await viaFirst.SendBytesAsync(HttpMethod.Put, Clip, first, "audio/wav");
        await SeesAsync(_second, TestWavs.Reference(first));
        var read = await viaSecond.GetAsync(Clip);

        uploaded.AssertStatus(HttpStatusCode.Created);
        read.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(first, read.Bytes);
        Assert.Equal(uploaded.ETag, read.ETag);
        Assert.Equal(HoldAudio.ClipFrames(tone, 8000, "PCMU", 8000), await FramesAsync(_second, "PCMU", 8000));

        // The second replica knows the clip: it lets the agent hold with it, and replaces it.
        (await viaSecond.PatchAsync(Agent, """{"continuity":{"hold":"clip"}}""")).AssertStatus(HttpStatusCode.OK);
        var replaced = await viaSecond.SendBytesAsync(HttpMethod.Put, Clip, second, "audio/wav");
        await SeesAsync(_first, TestWavs.Reference(second));

        replaced.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(second, (await viaFirst.GetAsync(Clip)).Bytes);
        Assert.Equal(HoldAudio.ClipFrames(noise, 16000, "L16", 16000), await FramesAsync(_first, "L16", 16000));
        Assert.Equal(HoldAudio.ClipFrames(noise, 16000, "L16", 16000), await FramesAsync(_second, "L16", 16000));
        (await viaFirst.DeleteAsync(Clip)).AssertProblem(HttpStatusCode.Conflict, "hold_audio_in_use");
    }

    public async Task InitializeAsync()
    {
        var redis = await TestRedis.ConnectionStringAsync();
        var prefix = TestRedis.UniquePrefix();
        _first = await GatewayHost.StartAsync(redis, prefix, AdminTokens.Settings());
        _second = await GatewayHost.StartAsync(redis, prefix, AdminTokens.Settings());
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
    }

    private static Task SeesAsync(GatewayHost replica, HoldClip clip) =>
        Wait.UntilAsync(() => replica.Registry.Current.TryGet(Support, out var agent) && agent.HoldClip == clip, $"the replica names clip {clip.Sha256}", TimeSpan.FromSeconds(1));

    /// <summary>The frames a call of the agent on <paramref name="replica"/> would be held with, in that codec.</summary>
    private static async Task<byte[][]> FramesAsync(GatewayHost replica, string encoding, int rate)
    {
        Assert.True(replica.Registry.Current.TryGet(Support, out var agent));
        var holding = agent with { Resource = agent.Resource with { Continuity = new AgentContinuity { Hold = HoldAudioKind.Clip } } };
        return (await replica.Services.GetRequiredService<HoldClipFrames>().ForCallAsync(holding, encoding, rate))!;
    }
}
