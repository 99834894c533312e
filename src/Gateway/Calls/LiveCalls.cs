using System.Diagnostics.CodeAnalysis;

namespace Gateway.Calls;

/// <summary>
/// The calls this replica handles, each from the moment its upgrade request reaches the handler to its end, whether
/// it got as far as a claim or not; found by session id (call control, a local call's session before its record is
/// written) or all at once (the drain, lease renewals, the metrics scrape).
/// </summary>
public sealed class LiveCalls
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LiveCall> _bySession = new(StringComparer.Ordinal);
    private TaskCompletionSource _empty = Completed();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _bySession.Count;
            }
        }
    }

    /// <summary>
    /// Completes when the last call leaves; while calls are live, a new one is handed out for the next time the count
    /// falls to zero. The drain waits on it rather than polling the count.
    /// </summary>
    public Task Emptied
    {
        get
        {
            lock (_lock)
            {
                return _empty.Task;
            }
        }
    }

    public void Add(LiveCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_lock)
        {
            _bySession[call.SessionId] = call;
            if (_bySession.Count == 1)
            {
                _empty = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>The call took another session id (a dial-out's stream adopts its dial-out's one): found by it from now on.</summary>
    public void Rekey(LiveCall call, string previousSessionId)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_lock)
        {
            if (_bySession.Remove(previousSessionId))
            {
                _bySession[call.SessionId] = call;
            }
        }
    }

    public void Remove(LiveCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_lock)
        {
            if (_bySession.Remove(call.SessionId) && _bySession.Count == 0)
            {
                _empty.TrySetResult();
            }
        }
    }

    public bool TryGet(string sessionId, [NotNullWhen(true)] out LiveCall? call)
    {
        lock (_lock)
        {
            return _bySession.TryGetValue(sessionId, out call);
        }
    }

    public IReadOnlyCollection<LiveCall> Snapshot()
    {
        lock (_lock)
        {
            return [.. _bySession.Values];
        }
    }

    private static TaskCompletionSource Completed()
    {
        var empty = new TaskCompletionSource();
        empty.SetResult();
        return empty;
    }
}
