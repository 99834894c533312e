using System.Text.Json;
using Gateway.Core;
using Gateway.Metrics;
using Gateway.Redis;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Registry;

/// <summary>
/// A hold clip in the Redis registry: its reference in the agent's document and its audio in the key beside it,
/// written together over the revision the writer read, or not at all; kept by writes of the agent; read by a replica
/// that starts afterwards; gone with the agent.
/// </summary>
public sealed class HoldClipRegistryTests : IAsyncLifetime
{
    private static readonly AgentKey Support = new("acme", "support");

    private readonly string _prefix = TestRedis.UniquePrefix();
    private readonly List<(RedisConnection Redis, RedisAgentRegistry Registry)> _replicas = [];

    [Fact]
    public async Task The_reference_and_the_audio_are_written_together_over_the_revision_read_or_not_at_all()
    {
        var registry = await StartAsync();
        var keys = new RedisKeys(_prefix);
        var database = _replicas[0].Redis.Database;
        var wav = TestWavs.Pcm(TestWavs.Tone(1));
        var clip = TestWavs.Reference(wav);
        var created = await registry.PutAsync(Support, new AgentResource { MaxConcurrentCalls = 3 });

        var stale = await registry.PutHoldClipIfRevisionAsync(Support, clip, wav, created - 1);
        var written = await registry.PutHoldClipIfRevisionAsync(Support, clip, wav, created);

        Assert.Null(stale);
        Assert.NotNull(written);
        var stored = JsonSerializer.Deserialize((byte[])(await database.StringGetAsync(keys.Agent(Support)))!, RegistryJsonContext.Default.StoredAgent)!;
        Assert.Equal((written.Value, clip, 3), (stored.Revision, stored.HoldClip, stored.Resource.MaxConcurrentCalls));
        Assert.Equal(wav, (byte[])(await database.StringGetAsync(keys.HoldAudio(Support)))!);

        // Writes of the agent keep it; a replica started now reads it; the agent's removal takes the audio too.
        var kept = await registry.PutIfRevisionAsync(Support, new AgentResource { MaxConcurrentCalls = 4 }, written.Value);
        var late = await StartAsync();
        Assert.True(late.Current.TryGet(Support, out var seen));
        Assert.Equal((kept, clip), (seen.Revision, seen.HoldClip));
        Assert.Equal(wav, await late.ReadHoldClipAsync(Support));
        Assert.Null(await late.DeleteHoldClipIfRevisionAsync(Support, written.Value));
        Assert.True(await late.DeleteIfRevisionAsync(Support, kept!.Value));
        Assert.False(await database.KeyExistsAsync(keys.HoldAudio(Support)));
    }

    [Fact]
    public async Task Removing_the_clip_leaves_the_agent_as_it_was()
    {
        var registry = await StartAsync();
        var wav = TestWavs.Pcm(TestWavs.Tone(0.5), 16000);
        var created = await registry.PutAsync(Support, new AgentResource { MaxConcurrentCalls = 5 });
        var written = await registry.PutHoldClipIfRevisionAsync(Support, TestWavs.Reference(wav), wav, created);

        var removed = await registry.DeleteHoldClipIfRevisionAsync(Support, written!.Value);

        Assert.True(registry.Current.TryGet(Support, out var agent));
        Assert.Equal((removed, (HoldClip?)null, 5), (agent.Revision, agent.HoldClip, agent.Resource.MaxConcurrentCalls));
        Assert.Null(await registry.ReadHoldClipAsync(Support));

        // An agent without a clip is stored as before clips existed, so a replica of an older version still reads it.
        var document = (string?)await _replicas[0].Redis.Database.StringGetAsync(new RedisKeys(_prefix).Agent(Support));
        Assert.StartsWith($$"""{"revision":{{removed}},"resource":{""", document, StringComparison.Ordinal);
        Assert.DoesNotContain("holdClip", document, StringComparison.Ordinal);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (redis, registry) in _replicas)
        {
            await registry.StopAsync(CancellationToken.None);
            registry.Dispose();
            await redis.DisposeAsync();
        }
    }

    private async Task<RedisAgentRegistry> StartAsync()
    {
        var redis = TestRedis.Connect(await TestRedis.ConnectionStringAsync(), _prefix);
        var registry = new RedisAgentRegistry(
            redis,
            new DurableWrites(redis, Options.Create(new RedisOptions { KeyPrefix = _prefix })),
            new RedisKeys(_prefix),
            Options.Create(new RegistryOptions()),
            new RegistrySeedSource(new Dictionary<AgentKey, AgentResource>()),
            TimeProvider.System,
            new GatewayMetrics(),
            NullLogger<RedisAgentRegistry>.Instance);
        await registry.StartAsync(CancellationToken.None);
        _replicas.Add((redis, registry));
        return registry;
    }
}
