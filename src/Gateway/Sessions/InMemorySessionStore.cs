using System.Collections.Concurrent;

namespace Gateway.Sessions;

/// <summary>Session records of a gateway with no Redis: they live and die with the process.</summary>
public sealed class InMemorySessionStore : ISessionStore
{
    private readonly ConcurrentDictionary<string, CallSession> _sessions = new(StringComparer.Ordinal);

    public Task AddAsync(CallSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _sessions[session.SessionId] = session;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(CallSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        _sessions.TryRemove(session.SessionId, out _);
        return Task.CompletedTask;
    }

    public Task ReassertAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public bool IsUnsettled => false;

    public Task<CallSession?> GetAsync(string sessionId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_sessions.GetValueOrDefault(sessionId));

    public Task<IReadOnlyList<CallSession>> ListAsync(string org, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<CallSession>>(
            [.. _sessions.Values.Where(s => s.Org == org).OrderBy(s => s.Started)]);
}
