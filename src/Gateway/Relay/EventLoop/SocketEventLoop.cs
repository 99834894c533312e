using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Gateway.Relay.EventLoop;

/// <summary>
/// One thread waiting in epoll for the sockets registered with it and running, on itself, whatever waited for them:
/// nginx's worker model. A socket's reads and writes are system calls made where the relay runs, and a read is made only
/// once the kernel has said data arrived (see <see cref="EventLoopStream"/>).
/// </summary>
internal sealed partial class SocketEventLoop : IDisposable
{
    private const int EventsPerWait = 256;

    // Token 0 is the loop's own wake-up; sockets count from 1.
    private const ulong WakeUpToken = 0;

    private readonly int _epoll;
    private readonly int _wakeUp;
    private readonly ConcurrentDictionary<ulong, EventLoopStream> _streams = new();
    private readonly ILogger _logger;
    private long _nextToken;
    private volatile bool _stopping;
    private int _disposed;

    public SocketEventLoop(int index, ILogger logger)
    {
        _logger = logger;
        _epoll = Epoll.Create();
        try
        {
            _wakeUp = Epoll.CreateWakeUp(_epoll);
        }
        catch
        {
            Epoll.Close(_epoll);
            throw;
        }

        new Thread(Run) { IsBackground = true, Name = $"Media event loop {index}" }.UnsafeStart();
    }

    public ulong Register(Socket socket, EventLoopStream stream)
    {
        ObjectDisposedException.ThrowIf(_stopping, this);
        var token = (ulong)Interlocked.Increment(ref _nextToken);
        _streams[token] = stream;
        try
        {
            Epoll.Register(_epoll, (int)socket.SafeHandle.DangerousGetHandle(), token);

            // Stopped meanwhile: the loop may have let go of its sockets already, and would never wake this one.
            ObjectDisposedException.ThrowIf(_stopping, this);
            return token;
        }
        catch
        {
            _streams.TryRemove(token, out _);
            throw;
        }
    }

    /// <summary>
    /// Takes a socket off the loop before it is closed. Its handle is held meanwhile, so that the descriptor cannot be
    /// closed and reused by another socket in between; one already closed left the loop with its descriptor.
    /// </summary>
    public void Unregister(Socket socket, ulong token)
    {
        _streams.TryRemove(token, out _);
        var handle = socket.SafeHandle;
        var held = false;
        try
        {
            handle.DangerousAddRef(ref held);
            Epoll.Unregister(_epoll, (int)handle.DangerousGetHandle());
        }
        catch (ObjectDisposedException)
        {
            // Closed already: the kernel took it off the loop then.
        }
        finally
        {
            if (held)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Stops the thread; what still waits on one of its sockets fails, and the sockets are dropped.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // The loop closes the wake-up only once it has read this write: never a write to a closed descriptor.
            _stopping = true;
            Epoll.WakeUp(_wakeUp);
        }
    }

    private void Run()
    {
        var events = new byte[EventsPerWait * Epoll.EventBytes];
        var woken = false;
        while (!woken)
        {
            var count = Epoll.Wait(_epoll, events);
            if (count < 0)
            {
                // Nothing on this loop can be woken any more: its sockets are dropped below rather than left waiting.
                LogWaitFailed(_logger, -count);
                break;
            }

            for (var i = 0; i < count; i++)
            {
                var (mask, token) = Epoll.Read(events, i);
                if (token == WakeUpToken)
                {
                    woken = _stopping;
                }
                else if (_streams.TryGetValue(token, out var stream))
                {
                    Dispatch(stream, mask);
                }
            }
        }

        _stopping = true;

        foreach (var stream in _streams.Values)
        {
            stream.Abort();
        }

        // Stopped by Dispose, whose write has been read: the wake-up is closed here. After a failure Dispose may still
        // write to it, so it stays open (one descriptor, for a loop that can no longer run).
        if (woken)
        {
            Epoll.Close(_wakeUp);
        }

        Epoll.Close(_epoll);
    }

    private void Dispatch(EventLoopStream stream, uint mask)
    {
        try
        {
            stream.OnEvents(mask);
        }
        catch (Exception e)
        {
            // What waited runs here: an exception it let escape must not stop every other socket's loop.
            LogDispatchFailed(_logger, e);
        }
    }

    [LoggerMessage(EventId = 1015, Level = LogLevel.Error, Message = "A media event loop's continuation failed")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Critical, Message = "A media event loop stopped: epoll_wait failed with errno {Errno}; its calls were dropped")]
    private static partial void LogWaitFailed(ILogger logger, int errno);
}
