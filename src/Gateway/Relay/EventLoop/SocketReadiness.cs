using System.Threading.Tasks.Sources;

namespace Gateway.Relay.EventLoop;

/// <summary>
/// One direction (reading or writing) of a socket on an event loop: counts the kernel's edges, and lets one waiter wait
/// for the next edge after the count it last saw.
/// </summary>
/// <remarks>
/// An edge's waiter runs on the loop's thread, inline, as the rest of a relayed frame's work does, unless the wait asked
/// for the thread pool (work that may block, such as a TLS handshake's certificate checks). A wait failed by a close or a
/// cancellation always resumes on the thread pool: the thread closing the socket or cancelling must not run the waiter's
/// next steps (another send on the socket being closed) inside its own call.
/// </remarks>
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
    /// <param name="onThreadPool">Resume on the thread pool rather than on the loop's thread.</param>
    public ValueTask WaitAsync(int seen, CancellationToken cancellationToken, bool onThreadPool = false)
    {
        short version;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_edges != seen)
            {
                return default;
            }

            _source.Reset();
            _source.RunContinuationsAsynchronously = onThreadPool;
            _waiting = true;
            version = _source.Version;
        }

        if (cancellationToken.CanBeCanceled)
        {
            // The wait's version travels with its callback: a callback already running when this wait completed (it
            // cannot be unregistered then) must find a later wait, and leave it alone.
            _token = cancellationToken;
            _cancellation = cancellationToken.UnsafeRegister(static (state, _) =>
            {
                var (readiness, version) = ((SocketReadiness, short))state!;
                readiness.Cancel(version);
            }, (this, version));
        }

        return new ValueTask(this, version);
    }

    /// <summary>An edge: called by the loop.</summary>
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
            _source.RunContinuationsAsynchronously = true;
        }

        _source.SetException(new ObjectDisposedException(nameof(EventLoopStream)));
    }

    private void Cancel(short version)
    {
        CancellationToken token;
        lock (_gate)
        {
            if (!_waiting || _source.Version != version)
            {
                return;
            }

            _waiting = false;
            _source.RunContinuationsAsynchronously = true;
            token = _token;
        }

        _source.SetException(new OperationCanceledException(token));
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
