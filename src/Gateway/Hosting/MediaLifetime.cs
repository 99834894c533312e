using System.Net.Sockets;
using Gateway.Relay.EventLoop;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Hosting;

/// <summary>
/// The request's lifetime on the media listener: <see cref="RequestAborted"/> fires when the peer hangs up before the
/// 101, as Kestrel's does (a bot being connected for it is then given up); aborting drops the connection. On an event
/// loop the loop tells of the hang-up itself; on .NET's socket engine a zero-byte receive watches for it.
/// </summary>
internal sealed class MediaLifetime : IHttpRequestLifetimeFeature, IDisposable
{
    private readonly CancellationTokenSource _aborted = new();

    // One of the two, as the connection's stream is: on an event loop, or .NET's engine's (the socket it watches).
    private readonly EventLoopStream? _loopStream;
    private readonly Socket? _engineSocket;
    private int _stopped;

    /// <param name="connection">The connection's stream, as <see cref="SocketEventLoops.Open"/> gave it.</param>
    public MediaLifetime(Stream connection)
    {
        if (connection is EventLoopStream loopStream)
        {
            _loopStream = loopStream;
            loopStream.WatchHangUp(HangUp);
        }
        else
        {
            _engineSocket = ((NetworkStream)connection).Socket;
            _ = WatchAsync(_engineSocket);
        }
    }

    public CancellationToken RequestAborted { get => _aborted.Token; set => throw new NotSupportedException(); }

    public void Abort()
    {
        _aborted.Cancel();
        _loopStream?.Abort();
        _engineSocket?.Close(0);
    }

    /// <summary>
    /// Before the 101: from then on the call's own reads see the peer leave. On .NET's engine the watch's receive is left
    /// pending rather than cancelled (a cancelled receive is an exception per call): it ends at the caller's first bytes,
    /// which it leaves for the call (the socket serves receives in order), or at the close, and does nothing more.
    /// Meanwhile it holds the socket's cached receive state, so the call's first receive makes its own (a few hundred
    /// bytes, once).
    /// </summary>
    public void StopWatching()
    {
        Volatile.Write(ref _stopped, 1);
        _loopStream?.WatchHangUp(null);
    }

    /// <summary>
    /// The request has ended: the watch stops. The abort source is not disposed (it has no timer or handle to release):
    /// a call handed off by its request still aborts its connection through this feature.
    /// </summary>
    public void Dispose() => StopWatching();

    /// <summary>
    /// A zero-byte receive: it completes when bytes arrive or the peer closes, and consumes nothing. Completed with
    /// nothing to read, the peer has closed.
    /// </summary>
    private async Task WatchAsync(Socket socket)
    {
        try
        {
            while (Volatile.Read(ref _stopped) == 0)
            {
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);

                // Readable with nothing to read is the peer's close; bytes (a client that did not wait for the 101)
                // are left for the call, and a wake-up with neither is waited past.
                if (Volatile.Read(ref _stopped) != 0 || socket.Available > 0)
                {
                    return;
                }

                if (socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0)
                {
                    HangUp();
                    return;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset by the peer, or closed here once the request was answered.
            HangUp();
        }
    }

    private void HangUp()
    {
        if (Volatile.Read(ref _stopped) != 0)
        {
            return;
        }

        // Its callbacks (giving up a bot being connected) run on the thread pool, not on the socket engine's thread.
        _ = _aborted.CancelAsync();
    }
}
