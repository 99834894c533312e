using System.Text.Json;
using Gateway.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Registry;

/// <summary>Writes: each takes the next revision, is applied here at once, published to the other replicas, and confirmed on the Redis replicas before it returns.</summary>
public sealed partial class RedisAgentRegistry
{
    public async Task<long> PutAsync(AgentKey key, AgentResource resource, CancellationToken cancellationToken = default) =>
        (await PutAsync(key, resource, expectedRevision: null))!.Value;

    public Task<long?> PutIfRevisionAsync(AgentKey key, AgentResource resource, long expectedRevision, CancellationToken cancellationToken = default) =>
        PutAsync(key, resource, expectedRevision);

    public async Task<bool?> DeleteIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default)
    {
        var database = await _redis.WriteDatabaseAsync();
        var deleted = (int)await database.ScriptEvaluateAsync(RegistryScripts.DeleteIfRevision, [_keys.Agent(key), _keys.HoldAudio(key)], [expectedRevision]);
        if (deleted != 1)
        {
            return deleted == 0 ? false : null;
        }

        await database.SetRemoveAsync(_keys.AgentIndex, key.ToString());
        var revision = await NextRevisionAsync(database);
        ApplyRemoval(key, revision);
        await database.PublishAsync(_keys.RegistryChanges, key.ToString());
        await ConfirmAsync(key);
        return true;
    }

    private async Task<long?> PutAsync(AgentKey key, AgentResource resource, long? expectedRevision)
    {
        // The document names the agent's hold clip: written again as the revision it goes over named it (a revision's
        // document never changes), so a write of the agent keeps its clip. A snapshot at another revision is not the
        // one the caller read: Redis would refuse the write, so it is refused here and the caller reads again. A create
        // (expected revision 0) names none; an unconditional write keeps the one this replica knows.
        var known = _current.TryGet(key, out var current) ? current : null;
        if (expectedRevision is > 0 && known?.Revision != expectedRevision)
        {
            return null;
        }

        var clip = expectedRevision == 0 ? null : known?.HoldClip;
        var database = await _redis.WriteDatabaseAsync();
        var revision = await NextRevisionAsync(database);
        var json = JsonSerializer.SerializeToUtf8Bytes(new StoredAgent(revision, resource, clip), RegistryJsonContext.Default.StoredAgent);
        var result = expectedRevision is { } expected
            ? (int)await database.ScriptEvaluateAsync(RegistryScripts.PutIfRevision, [_keys.Agent(key)], [revision, json, expected])
            : (int)await database.ScriptEvaluateAsync(RegistryScripts.PutIfNewer, [_keys.Agent(key)], [revision, json]);
        if (result == -1)
        {
            return null;
        }

        var written = result == 1;
        await database.SetAddAsync(_keys.AgentIndex, key.ToString());
        if (written)
        {
            Apply(key, new RegisteredAgent(key, resource, revision) { HoldClip = clip });
        }

        // Published either way: a write superseded by a concurrent one still tells replicas to read the winner.
        await database.PublishAsync(_keys.RegistryChanges, key.ToString());
        await ConfirmAsync(key);
        return revision;
    }

    public async Task<bool> DeleteAsync(AgentKey key, CancellationToken cancellationToken = default)
    {
        var database = await _redis.WriteDatabaseAsync();
        var existed = await database.KeyDeleteAsync(_keys.Agent(key));
        await database.KeyDeleteAsync(_keys.HoldAudio(key));
        await database.SetRemoveAsync(_keys.AgentIndex, key.ToString());
        var revision = await NextRevisionAsync(database);
        ApplyRemoval(key, revision);
        await database.PublishAsync(_keys.RegistryChanges, key.ToString());
        await ConfirmAsync(key);
        return existed;
    }

    /// <summary>
    /// The next registry revision. Redis's counter may be behind what this replica has seen (Redis restarted empty):
    /// then it is first moved past it, so that a write after the loss outranks every agent a replica may write back.
    /// </summary>
    private async Task<long> NextRevisionAsync(IDatabase database)
    {
        var revision = await database.StringIncrementAsync(_keys.RegistryRevision);
        var known = _current.Revision;
        if (revision > known)
        {
            return revision;
        }

        await database.ScriptEvaluateAsync(RegistryScripts.RaiseRevision, [_keys.RegistryRevision], [known]);
        return await database.StringIncrementAsync(_keys.RegistryRevision);
    }

    /// <summary>
    /// Waits for the replicas to hold the agent's write and the revision counter's increment (another slot on a
    /// cluster: both are confirmed).
    /// </summary>
    private async Task ConfirmAsync(AgentKey key)
    {
        await _durable.ConfirmAsync(_keys.Agent(key));
        await _durable.ConfirmAsync(_keys.RegistryRevision);
    }
}
