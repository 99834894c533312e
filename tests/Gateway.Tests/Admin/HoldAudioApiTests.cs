using System.Net;
using Gateway.Core;
using Gateway.Redis;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Admin;

/// <summary>
/// An agent's hold clip through the admin API, on both registries: uploaded, read back byte for byte with its ETag,
/// replaced, removed; <c>continuity.hold</c> <c>clip</c> only with a clip, and the clip kept while the agent holds
/// with it; the agent's removal removes its clip.
/// </summary>
public sealed class HoldAudioApiTests
{
    private const string Agent = "/admin/v1/orgs/acme/agents/support";
    private const string Clip = Agent + "/hold-audio";
    private const string HoldWithClip = """{"continuity":{"reconnect":{},"hold":"clip"}}""";

    private static readonly AgentKey Support = new("acme", "support");

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_clip_is_uploaded_read_back_as_uploaded_replaced_and_removed(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Agent, "{}")).AssertStatus(HttpStatusCode.Created);
        var first = TestWavs.Pcm(TestWavs.Tone(2));
        var second = TestWavs.Riff(TestWavs.Chunk("LIST", 27), TestWavs.Fmt(rate: 16000), TestWavs.Data(TestWavs.Tone(0.5, 16000)), TestWavs.Chunk("fact", 4));

        var none = await admin.GetAsync(Clip);
        var created = await admin.SendBytesAsync(HttpMethod.Put, Clip, first, "audio/wav");
        var read = await admin.GetAsync(Clip);
        var unchanged = await admin.GetAsync(Clip, ("If-None-Match", created.ETag!));

        none.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("Agent 'support' in organization 'acme' has no hold clip.", none.Json.GetProperty("detail").GetString());
        created.AssertStatus(HttpStatusCode.Created);
        Assert.Equal(Clip, created.Location);
        var reference = TestWavs.Reference(first);
        Assert.Equal($"\"{reference.Sha256}\"", created.ETag);
        Assert.Equal(
            $$"""{"sha256":"{{reference.Sha256}}","sampleRate":8000,"samples":16000,"seconds":2,"bytes":{{first.Length}}}""",
            created.Body);
        Assert.True(gateway.Registry.Current.TryGet(Support, out var agent));
        Assert.Equal(reference, agent.HoldClip);
        read.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("audio/wav", read.ContentType);
        Assert.Equal(first, read.Bytes);
        Assert.Equal(created.ETag, read.ETag);
        unchanged.AssertStatus(HttpStatusCode.NotModified);

        var replaced = await admin.SendBytesAsync(HttpMethod.Put, Clip, second, "audio/x-wav");
        var revision = Revision(gateway);
        var again = await admin.SendBytesAsync(HttpMethod.Put, Clip, second, "audio/wav");
        var stale = await admin.SendBytesAsync(HttpMethod.Put, Clip, first, "audio/wav", ("If-Match", created.ETag!));
        var createOnly = await admin.SendBytesAsync(HttpMethod.Put, Clip, first, "audio/wav", ("If-None-Match", "*"));

        replaced.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(TestWavs.Reference(second).ETag, replaced.ETag);
        Assert.Equal(second, (await admin.GetAsync(Clip)).Bytes);
        again.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(revision, Revision(gateway));
        stale.AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");
        createOnly.AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");

        var deleted = await admin.DeleteAsync(Clip, ("If-Match", replaced.ETag!));

        deleted.AssertStatus(HttpStatusCode.NoContent);
        (await admin.GetAsync(Clip)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        (await admin.DeleteAsync(Clip)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.True(gateway.Registry.Current.TryGet(Support, out var after));
        Assert.Null(after.HoldClip);
        Assert.Null(await gateway.Registry.ReadHoldClipAsync(Support));
        await AssertNoClipKeyAsync(gateway, mode);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task An_agent_holds_with_a_clip_only_once_it_has_one_and_keeps_it_while_it_does(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var wav = TestWavs.Pcm(TestWavs.Tone(1));

        var refused = await admin.PutAsync(Agent, HoldWithClip);
        (await admin.PutAsync(Agent, """{"continuity":{"reconnect":{},"hold":"tone"}}""")).AssertStatus(HttpStatusCode.Created);
        var patchRefused = await admin.PatchAsync(Agent, """{"continuity":{"hold":"clip"}}""");

        Assert.Equal(["continuity.hold"], refused.ValidationErrors());
        Assert.Equal(
            "is \"clip\", but agent 'support' has no hold clip: upload one first (PUT /admin/v1/orgs/acme/agents/support/hold-audio), or hold with \"silence\" or \"tone\".",
            refused.Json.GetProperty("errors").GetProperty("continuity.hold")[0].GetString());
        Assert.Equal(["continuity.hold"], patchRefused.ValidationErrors());

        (await admin.SendBytesAsync(HttpMethod.Put, Clip, wav, "audio/wav")).AssertStatus(HttpStatusCode.Created);
        (await admin.PatchAsync(Agent, """{"continuity":{"hold":"clip"}}""")).AssertStatus(HttpStatusCode.OK);
        var inUse = await admin.DeleteAsync(Clip);
        var rewritten = await admin.PutAsync(Agent, """{"maxConcurrentCalls":9,"continuity":{"reconnect":{},"hold":"clip"}}""");
        var heartbeat = await admin.PutAsync(Agent + "/instances/pod-1", """{"url":"ws://127.0.0.1:9/ws","ttlSeconds":30}""");

        inUse.AssertProblem(HttpStatusCode.Conflict, "hold_audio_in_use");
        Assert.Equal(
            "Agent 'support' holds its calls with this clip (continuity.hold is \"clip\"); set continuity.hold to \"silence\" or \"tone\" first.",
            inUse.Json.GetProperty("detail").GetString());
        rewritten.AssertStatus(HttpStatusCode.OK);
        heartbeat.AssertStatus(HttpStatusCode.Created);
        Assert.True(gateway.Registry.Current.TryGet(Support, out var agent));
        Assert.Equal(TestWavs.Reference(wav), agent.HoldClip);
        Assert.Equal(9, agent.Resource.MaxConcurrentCalls);
        Assert.Equal(wav, (await admin.GetAsync(Clip)).Bytes);

        (await admin.PatchAsync(Agent, """{"continuity":{"hold":"silence"}}""")).AssertStatus(HttpStatusCode.OK);
        (await admin.DeleteAsync(Clip)).AssertStatus(HttpStatusCode.NoContent);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Removing_the_agent_removes_its_clip(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Agent, "{}")).AssertStatus(HttpStatusCode.Created);
        (await admin.SendBytesAsync(HttpMethod.Put, Clip, TestWavs.Pcm(TestWavs.Tone(1)), "audio/wav")).AssertStatus(HttpStatusCode.Created);

        (await admin.DeleteAsync(Agent)).AssertStatus(HttpStatusCode.NoContent);
        await AssertNoClipKeyAsync(gateway, mode);
        var missing = await admin.GetAsync(Clip);
        (await admin.PutAsync(Agent, "{}")).AssertStatus(HttpStatusCode.Created);

        missing.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("No agent 'support' in organization 'acme'.", missing.Json.GetProperty("detail").GetString());
        (await admin.GetAsync(Clip)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Null(await gateway.Registry.ReadHoldClipAsync(Support));
    }

    [Fact]
    public async Task Uploading_the_same_clip_again_brings_back_audio_that_redis_lost()
    {
        await using var gateway = await GatewayModes.StartAsync(GatewayMode.Redis, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var wav = TestWavs.Pcm(TestWavs.Tone(1));
        (await admin.PutAsync(Agent, "{}")).AssertStatus(HttpStatusCode.Created);
        (await admin.SendBytesAsync(HttpMethod.Put, Clip, wav, "audio/wav")).AssertStatus(HttpStatusCode.Created);
        var keys = gateway.Services.GetRequiredService<RedisKeys>();
        await gateway.Services.GetRequiredService<RedisConnection>().Database.KeyDeleteAsync(keys.HoldAudio(Support));

        (await admin.SendBytesAsync(HttpMethod.Put, Clip, wav, "audio/wav")).AssertStatus(HttpStatusCode.OK);

        Assert.Equal(wav, await gateway.Registry.ReadHoldClipAsync(Support));
    }

    private static long Revision(GatewayHost gateway) => gateway.Registry.Current.TryGet(Support, out var agent) ? agent.Revision : 0;

    private static async Task AssertNoClipKeyAsync(GatewayHost gateway, GatewayMode mode)
    {
        if (mode == GatewayMode.Redis)
        {
            var keys = gateway.Services.GetRequiredService<RedisKeys>();
            Assert.False(await gateway.Services.GetRequiredService<RedisConnection>().Database.KeyExistsAsync(keys.HoldAudio(Support)));
        }
    }
}
