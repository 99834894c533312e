using Gateway.Core;

namespace Gateway.Registry;

/// <summary>Where agents live: Redis when <c>ConnectionStrings:Redis</c> is set, in-process otherwise.</summary>
public interface IAgentRegistry
{
    /// <summary>The current view, read on every call without I/O.</summary>
    RegistrySnapshot Current { get; }

    /// <summary>Creates or replaces an agent; returns the revision of the change.</summary>
    Task<long> PutAsync(AgentKey key, AgentResource resource, CancellationToken cancellationToken = default);

    /// <summary>Removes an agent; false when it did not exist. Live calls to it are not cut.</summary>
    Task<bool> DeleteAsync(AgentKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates or replaces an agent only while its stored revision is <paramref name="expectedRevision"/> (0: only
    /// while it does not exist); null when it is not, so two operators never overwrite each other unseen.
    /// </summary>
    /// <returns>The revision of the change, or null when the precondition failed and nothing was written.</returns>
    Task<long?> PutIfRevisionAsync(AgentKey key, AgentResource resource, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>Removes an agent only while its stored revision is <paramref name="expectedRevision"/>.</summary>
    /// <returns>True removed, false no such agent, null another revision is stored.</returns>
    Task<bool?> DeleteIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default);
}
