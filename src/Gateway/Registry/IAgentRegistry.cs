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
}
