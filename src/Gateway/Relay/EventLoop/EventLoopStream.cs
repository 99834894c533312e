using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Gateway.Relay.EventLoop;

/// <summary>
/// A connected socket on a <see cref="SocketEventLoop"/>: reads and writes are non-blocking system calls made by the
/// caller, and waiting is for the loop's next edge. A read after a short one (the kernel's queue was emptied) waits for
/// the next edge rather than asking the kernel again, and a zero-byte read only waits: one receive per frame.
/// </summary>
internal sealed class EventLoopStream : Stream
{
    // Where a zero-byte read's peek lands; what it holds is never looked at.
    private static readonly byte[] PeekByte = new byte[1];

    private readonly Socket _socket;
    private readonly SocketEventLoop _loop;
    private readonly ulong _token;
    private readonly SocketReadiness _readable = new();
    private readonly SocketReadiness _writable = new();

    // The edge count at which a read last found the kernel's queue empty; a read waits past it before asking again.
    private int _drainedAt = -1;

    // The peer's end (or a reset, or an error) has been reported. It stays in the kernel's queue behind the data that came
    // with it, and no edge will repeat it: from here on a read always asks the kernel.
    private volatile bool _peerDone;
    private Action? _onHangUp;
    private int _disposed;

    /// <summary>Puts a connected socket on <paramref name="loop"/>; the stream owns it from here on.</summary>
    public EventLoopStream(Socket socket, SocketEventLoop loop)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(loop);
        _socket = socket;
        _socket.Blocking = false;
        _loop = loop;
        _token = _loop.Register(socket, this);
    }

    /// <summary>The socket, for what is asked of it directly (its descriptor, in tests of the loop).</summary>
    internal Socket Socket => _socket;

    /// <summary>
    /// Whether what waits on this socket resumes on the thread pool rather than on its loop's thread: for work that may
    /// block (a TLS handshake checks certificates, and may fetch an intermediate one).
    /// </summary>
    internal bool ResumeOnThreadPool { get; set; }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Connects to the first of the host's addresses that answers.</summary>
    public static async Task<EventLoopStream> ConnectAsync(string host, int port, Func<SocketEventLoop> loop, CancellationToken cancellationToken)
    {
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, Blocking = false };
            bool pending;
            try
            {
                pending = !NonBlockingConnect.Start(socket, new IPEndPoint(address, port));
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
                continue;
            }

            // Registered once the connect is under way: a socket not yet connecting reads as hung up.
            EventLoopStream stream;
            try
            {
                stream = new EventLoopStream(socket, loop());
            }
            catch
            {
                socket.Dispose();
                throw;
            }

            try
            {
                if (pending)
                {
                    await stream._writable.WaitAsync(0, cancellationToken);
                    if (NonBlockingConnect.Result(socket) is { } failed)
                    {
                        throw failed;
                    }
                }

                return stream;
            }
            catch (SocketException e)
            {
                await stream.DisposeAsync();
                last = e;
            }
            catch
            {
                await stream.DisposeAsync();
                throw;
            }
        }

        throw last ?? new SocketException((int)SocketError.HostNotFound);
    }

    /// <summary>
    /// Calls <paramref name="onHangUp"/> (on the loop) when the peer closes or resets, until set to null; at once if it
    /// has already.
    /// </summary>
    public void WatchHangUp(Action? onHangUp)
    {
        Volatile.Write(ref _onHangUp, onHangUp);
        if (_peerDone)
        {
            onHangUp?.Invoke();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            // A short read emptied the kernel's queue as of the edge count seen before it: the next read waits for a later
            // edge, unless the peer's end is known (it stays queued behind the data, and no edge repeats it).
            var seen = _readable.Edges;
            if (seen == _drainedAt && !_peerDone)
            {
                await _readable.WaitAsync(seen, cancellationToken, ResumeOnThreadPool);
                if (buffer.IsEmpty)
                {
                    // The kernel said bytes arrived (or the end did): a zero-byte read asks nothing more.
                    return 0;
                }

                continue;
            }

            // A zero-byte read whose answer the loop does not know (its first, or after a read that filled its buffer)
            // asks the kernel without taking anything.
            var read = buffer.IsEmpty
                ? _socket.Receive(PeekByte, SocketFlags.Peek, out var error)
                : _socket.Receive(buffer.Span, SocketFlags.None, out error);
            if (error == SocketError.Success)
            {
                if (read < buffer.Length)
                {
                    _drainedAt = seen;
                }

                return buffer.IsEmpty ? 0 : read;
            }

            if (error != SocketError.WouldBlock)
            {
                throw new IOException($"Unable to read from the connection: {error}.", new SocketException((int)error));
            }

            _drainedAt = seen;
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var seen = _writable.Edges;
            var sent = _socket.Send(buffer.Span, SocketFlags.None, out var error);
            if (error == SocketError.Success)
            {
                buffer = buffer[sent..];
            }
            else if (error == SocketError.WouldBlock)
            {
                await _writable.WaitAsync(seen, cancellationToken, ResumeOnThreadPool);
            }
            else
            {
                throw new IOException($"Unable to write to the connection: {error}.", new SocketException((int)error));
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Blocking on a socket whose waits complete on a loop's thread would stop that loop if called there: never done.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("A socket on an event loop is read asynchronously.");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("A socket on an event loop is written asynchronously.");

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>The loop's events for this socket.</summary>
    internal void OnEvents(uint events)
    {
        if ((events & (Epoll.In | Epoll.RdHup | Epoll.Hup | Epoll.Err)) != 0)
        {
            if ((events & (Epoll.RdHup | Epoll.Hup | Epoll.Err)) != 0)
            {
                _peerDone = true;
                Volatile.Read(ref _onHangUp)?.Invoke();
            }

            _readable.Signal();
        }

        if ((events & (Epoll.Out | Epoll.Hup | Epoll.Err)) != 0)
        {
            _writable.Signal();
        }
    }

    /// <summary>Drops the connection (no linger: the peer reads a reset).</summary>
    public void Abort() => Close(abortive: true);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Close(abortive: false);
        }

        base.Dispose(disposing);
    }

    private void Close(bool abortive)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _loop.Unregister(_socket, _token);
        _readable.Close();
        _writable.Close();
        if (abortive)
        {
            _socket.Close(0);
        }
        else
        {
            _socket.Dispose();
        }
    }
}
