using System.Threading.Tasks.Sources;

namespace Gateway.Relay.EventLoop;

/// <summary>
/// One direction (reading or writing) of a socket on an event loop: counts the kernel's edges, and lets one waiter wait
/// for the next edge after the count it last saw, completed on the loop's thread.
/// </summary>
internal sealed class SocketReadiness : IValueTaskSource
{
    private readonly Lock _gate = new();
    private ManualResetValueTaskSourceCore<bool> _source;
    private int _edges;
    private bool _waiting;
    private bool _closed;
    private CancellationTokenRegistration _cancellation;
    private CancellationToken _token;

    /// <summary>How many edges the loop has seen; a waiter passes the count it saw before its system call.</summary>
    public int Edges => Volatile.Read(ref _edges);

    /// <summary>Completes when an edge after <paramref name="seen"/> arrives (at once if one has).</summary>
    public ValueTask WaitAsync(int seen, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_edges != seen)
            {
                return default;
            }

            _source.Reset();
            _waiting = true;
        }

        var version = _source.Version;
        if (cancellationToken.CanBeCanceled)
        {
            _token = cancellationToken;
            _cancellation = cancellationToken.UnsafeRegister(static state => ((SocketReadiness)state!).Cancel(), this);
        }

        return new ValueTask(this, version);
    }

    /// <summary>An edge: called by the loop; a waiter's continuation runs here, on the loop's thread.</summary>
    public void Signal()
    {
        lock (_gate)
        {
            _edges++;
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
        }

        _source.SetResult(true);
    }

    /// <summary>The socket is being closed: a waiter fails, and no wait may start.</summary>
    public void Close()
    {
        lock (_gate)
        {
            _closed = true;
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
        }

        _source.SetException(new ObjectDisposedException(nameof(EventLoopStream)));
    }

    private void Cancel()
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
        }

        _source.SetException(new OperationCanceledException(_token));
    }

    void IValueTaskSource.GetResult(short token)
    {
        if (_token.CanBeCanceled)
        {
            _cancellation.Unregister();
            (_cancellation, _token) = (default, default);
        }

        _source.GetResult(token);
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _source.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _source.OnCompleted(continuation, state, token, flags);
}
