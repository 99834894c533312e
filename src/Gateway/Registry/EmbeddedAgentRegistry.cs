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
            var revision = _current.Revision + 1;
            _current = _current.With(key, new RegisteredAgent(key, resource, revision), revision);
            return Task.FromResult(revision);
        }
    }

    public Task<long?> PutIfRevisionAsync(AgentKey key, AgentResource resource, long expectedRevision, CancellationToken cancellationToken = default)
    {
        lock (_writeLock)
        {
            if (StoredRevision(key) != expectedRevision)
            {
                return Task.FromResult<long?>(null);
            }

            var revision = _current.Revision + 1;
            _current = _current.With(key, new RegisteredAgent(key, resource, revision), revision);
            return Task.FromResult<long?>(revision);
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

            _current = _current.With(key, null, _current.Revision + 1);
            return Task.FromResult<bool?>(true);
        }
    }

    private long StoredRevision(AgentKey key) => _current.TryGet(key, out var agent) ? agent.Revision : 0;

    public Task<bool> DeleteAsync(AgentKey key, CancellationToken cancellationToken = default)
    {
        lock (_writeLock)
        {
            if (!_current.TryGet(key, out _))
            {
                return Task.FromResult(false);
            }

            _current = _current.With(key, null, _current.Revision + 1);
            return Task.FromResult(true);
        }
    }
}
