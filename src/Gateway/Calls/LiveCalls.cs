namespace Gateway.Calls;

/// <summary>
/// The calls this replica handles, each from the moment its upgrade request reaches the handler to its end, whether
/// it got as far as a claim or not.
/// </summary>
public sealed class LiveCalls
{
    private readonly Lock _lock = new();
    private readonly HashSet<LiveCall> _calls = [];
    private TaskCompletionSource _empty = Completed();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _calls.Count;
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
            if (_calls.Add(call) && _calls.Count == 1)
            {
                _empty = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void Remove(LiveCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        lock (_lock)
        {
            if (_calls.Remove(call) && _calls.Count == 0)
            {
                _empty.TrySetResult();
            }
        }
    }

    public IReadOnlyCollection<LiveCall> Snapshot()
    {
        lock (_lock)
        {
            return [.. _calls];
        }
    }

    private static TaskCompletionSource Completed()
    {
        var empty = new TaskCompletionSource();
        empty.SetResult();
        return empty;
    }
}
