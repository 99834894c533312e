using System.Collections.Immutable;
using Gateway.Core;


namespace Gateway.Registry;

/// <summary>
/// The registry of a gateway with no Redis: in-process, seeded from <c>config/</c>, lost on restart.
/// It makes <c>dotnet run</c> work on a fresh machine; with several replicas, use Redis.
/// </summary>
public sealed class EmbeddedAgentRegistry : IAgentRegistry
{
    private readonly Lock _writeLock = new();
    private volatile RegistrySnapshot _current;

    // Each agent's hold clip as uploaded, beside the snapshot that names it; both change under the write lock.
    private ImmutableDictionary<AgentKey, byte[]> _holdClips = ImmutableDictionary<AgentKey, byte[]>.Empty;

    public EmbeddedAgentRegistry(IReadOnlyDictionary<AgentKey, AgentResource> seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        long revision = 0;
        var agents = seed.Select(pair => new RegisteredAgent(pair.Key, pair.Value, ++revision)).ToList();
        _current = new RegistrySnapshot(agents, revision);
    }

    public RegistrySnapshot Current => _current;

    public Task<long> PutAsync(AgentKey key, AgentResource resource, CancellationToken cancellationToken = default)
    {
        lock (_writeLock)
        {
            return Task.FromResult(Put(key, resource));
        }
    }

    public Task<long?> PutIfRevisionAsync(AgentKey key, AgentResource resource, long expectedRevision, CancellationToken cancellationToken = default)
    {
        lock (_writeLock)
        {
            return Task.FromResult<long?>(StoredRevision(key) == expectedRevision ? Put(key, resource) : null);
        }
    }

    public Task<bool?> DeleteIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default)
    {
        lock (_writeLock)
        {
            var stored = StoredRevision(key);
            if (stored == 0)
            {
                return Task.FromResult<bool?>(false);
            }

            if (stored != expectedRevision)
            {
                return Task.FromResult<bool?>(null);
            }

            Remove(key);
            return Task.FromResult<bool?>(true);
        }
    }

    public Task<bool> DeleteAsync(AgentKey key, CancellationToken cancellationToken = default)
    {
        lock (_writeLock)
        {
            if (!_current.TryGet(key, out _))
            {
                return Task.FromResult(false);
            }

            Remove(key);
            return Task.FromResult(true);
        }
    }

    public Task<long?> PutHoldClipIfRevisionAsync(AgentKey key, HoldClip clip, ReadOnlyMemory<byte> wav, long expectedRevision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clip);
        lock (_writeLock)
        {
            if (!_current.TryGet(key, out var agent) || agent.Revision != expectedRevision)
            {
                return Task.FromResult<long?>(null);
            }

            _holdClips = _holdClips.SetItem(key, wav.ToArray());
            return Task.FromResult<long?>(SetHoldClip(agent, clip));
        }
    }

    public Task<long?> DeleteHoldClipIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default)
    {
        lock (_writeLock)
        {
            if (!_current.TryGet(key, out var agent) || agent.Revision != expectedRevision)
            {
                return Task.FromResult<long?>(null);
            }

            _holdClips = _holdClips.Remove(key);
            return Task.FromResult<long?>(SetHoldClip(agent, null));
        }
    }

    public Task<byte[]?> ReadHoldClipAsync(AgentKey key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_holdClips.TryGetValue(key, out var wav) ? wav : null);

    private long StoredRevision(AgentKey key) => _current.TryGet(key, out var agent) ? agent.Revision : 0;

    /// <summary>Writes the agent with the next revision, keeping its hold clip. Under the write lock.</summary>
    private long Put(AgentKey key, AgentResource resource)
    {
        var revision = _current.Revision + 1;
        var clip = _current.TryGet(key, out var existing) ? existing.HoldClip : null;
        _current = _current.With(key, new RegisteredAgent(key, resource, revision) { HoldClip = clip }, revision);
        return revision;
    }

    /// <summary>The agent as it is, with another hold clip reference, at the next revision. Under the write lock.</summary>
    private long SetHoldClip(RegisteredAgent agent, HoldClip? clip)
    {
        var revision = _current.Revision + 1;
        _current = _current.With(agent.Key, agent with { Revision = revision, HoldClip = clip }, revision);
        return revision;
    }

    /// <summary>The agent goes, and its hold clip with it. Under the write lock.</summary>
    private void Remove(AgentKey key)
    {
        _current = _current.With(key, null, _current.Revision + 1);
        _holdClips = _holdClips.Remove(key);
    }
}
