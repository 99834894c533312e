namespace Gateway.Sessions;

/// <summary>Where session records live: Redis (shared by replicas) or in-process with no Redis.</summary>
public interface ISessionStore
{
    /// <summary>Records a live call. Never throws: a record that cannot be written is logged and the call goes on.</summary>
    Task AddAsync(CallSession session);

    /// <summary>Removes the record of a call that ended. Never throws; an unremoved record expires with its lease.</summary>
    Task RemoveAsync(CallSession session);

    /// <summary>Extends the leases of the records of calls this replica still relays.</summary>
    Task RenewAsync(IReadOnlyCollection<CallSession> sessions, CancellationToken cancellationToken);

    Task<CallSession?> GetAsync(string sessionId, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<CallSession>> ListAsync(string org, CancellationToken cancellationToken = default);
}
