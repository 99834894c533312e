namespace Gateway.Sessions;

/// <summary>Where session records live: Redis (shared by replicas) or in-process with no Redis.</summary>
public interface ISessionStore
{
    /// <summary>Records a live call. Never throws: a record that cannot be written is logged and the call goes on.</summary>
    Task AddAsync(CallSession session);

    /// <summary>Removes the record of a call that ended. Never throws; an unremoved record expires with its lease.</summary>
    Task RemoveAsync(CallSession session);

    /// <summary>
    /// Makes the shared store hold exactly the records of this replica's live calls, each with a fresh lease (writing
    /// back any it lost), and removes the records of ended calls whose removal did not go through.
    /// </summary>
    Task ReassertAsync(CancellationToken cancellationToken);

    /// <summary>True while an ended call's record may still be in the shared store: <see cref="ReassertAsync"/> is due soon.</summary>
    bool IsUnsettled { get; }

    Task<CallSession?> GetAsync(string sessionId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<CallSession>> ListAsync(string org, CancellationToken cancellationToken = default);
}
