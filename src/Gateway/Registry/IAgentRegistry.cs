using Gateway.Core;

namespace Gateway.Registry;

/// <summary>Where agents live: Redis when <c>ConnectionStrings:Redis</c> is set, in-process otherwise.</summary>
public interface IAgentRegistry
{
    /// <summary>The current view, read on every call without I/O.</summary>
    RegistrySnapshot Current { get; }

    /// <summary>Creates or replaces an agent (keeping the hold clip this replica knows it by); returns the revision of the change.</summary>
    Task<long> PutAsync(AgentKey key, AgentResource resource, CancellationToken cancellationToken = default);

    /// <summary>Removes an agent and its hold clip; false when it did not exist. Live calls to it are not cut.</summary>
    Task<bool> DeleteAsync(AgentKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates or replaces an agent only while its stored revision is <paramref name="expectedRevision"/> (0: only
    /// while it does not exist); null when it is not, so two operators never overwrite each other unseen. The agent's
    /// hold clip is kept.
    /// </summary>
    /// <returns>The revision of the change, or null when the precondition failed and nothing was written.</returns>
    Task<long?> PutIfRevisionAsync(AgentKey key, AgentResource resource, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>Removes an agent, and its hold clip, only while its stored revision is <paramref name="expectedRevision"/>.</summary>
    /// <returns>True removed, false no such agent, null another revision is stored.</returns>
    Task<bool?> DeleteIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives an existing agent a hold clip (<paramref name="wav"/> as uploaded, <paramref name="clip"/> its reference),
    /// or replaces its clip, only while its stored revision is <paramref name="expectedRevision"/>. The reference and
    /// the audio are written together, as one registry change of the agent (a new revision; its resource as it is).
    /// </summary>
    /// <returns>The revision of the change, or null when another revision is stored (or none) and nothing was written.</returns>
    Task<long?> PutHoldClipIfRevisionAsync(AgentKey key, HoldClip clip, ReadOnlyMemory<byte> wav, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>Removes an agent's hold clip, reference and audio, only while its stored revision is <paramref name="expectedRevision"/>.</summary>
    /// <returns>The revision of the change, or null when another revision is stored (or none) and nothing was written.</returns>
    Task<long?> DeleteHoldClipIfRevisionAsync(AgentKey key, long expectedRevision, CancellationToken cancellationToken = default);

    /// <summary>
    /// The agent's hold clip as uploaded, as the registry holds it now (the newest, should this replica's snapshot not
    /// name it yet); null when it holds none.
    /// </summary>
    Task<byte[]?> ReadHoldClipAsync(AgentKey key, CancellationToken cancellationToken = default);
}
