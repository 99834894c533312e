using System.Text.Json;
using Gateway.Core;
using StackExchange.Redis;

namespace Gateway.Registry;

/// <summary>
/// Hold clips: the audio in a key beside its agent's document, the document naming it; both written by one script, as
/// one registry change of the agent, announced and confirmed like every other.
/// </summary>
public sealed partial class RedisAgentRegistry
{
    public Task<long?> PutHoldClipIfRevisionAsync(AgentKey key, HoldClip clip, ReadOnlyMemory<byte> wav, long expectedRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        if (wav.IsEmpty)
        {
            throw new ArgumentException("A hold clip has a WAV file.", nameof(wav));
        }

        return WriteHoldClipAsync(key, clip, wav, expectedRevision);
    }

    public Task<long?> DeleteHoldClipIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default) =>
        WriteHoldClipAsync(key, clip: null, ReadOnlyMemory<byte>.Empty, expectedRevision);

    /// <summary>
    /// Read on the writes' connection: a clip is up to a few megabytes, and on the hot path's connection its transfer
    /// would hold up the claims and session records of live calls queued behind it.
    /// </summary>
    public async Task<byte[]?> ReadHoldClipAsync(AgentKey key, CancellationToken cancellationToken = default)
    {
        var database = await _redis.WriteDatabaseAsync();
        return (byte[]?)await database.StringGetAsync(_keys.HoldAudio(key));
    }

    /// <param name="clip">The new reference, null to remove the clip; <paramref name="wav"/> its audio.</param>
    private async Task<long?> WriteHoldClipAsync(AgentKey key, HoldClip? clip, ReadOnlyMemory<byte> wav, long expectedRevision)
    {
        // The document is the agent's at the revision the write goes over, with the new reference: a revision's resource
        // never changes, so the one this snapshot holds at it is the one in Redis, or the script finds another revision.
        if (!_current.TryGet(key, out var agent) || agent.Revision != expectedRevision)
        {
            return null;
        }

        var database = await _redis.WriteDatabaseAsync();
        var revision = await NextRevisionAsync(database);
        var json = JsonSerializer.SerializeToUtf8Bytes(new StoredAgent(revision, agent.Resource, clip), RegistryJsonContext.Default.StoredAgent);
        var result = (int)await database.ScriptEvaluateAsync(
            RegistryScripts.PutHoldClipIfRevision, [_keys.Agent(key), _keys.HoldAudio(key)], [revision, json, expectedRevision, clip is null ? RedisValue.EmptyString : wav]);
        if (result != 1)
        {
            return null;
        }

        Apply(key, agent with { Revision = revision, HoldClip = clip });
        await database.PublishAsync(_keys.RegistryChanges, key.ToString());
        await ConfirmAsync(key);
        return revision;
    }
}
