using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Gateway.Relay.EventLoop;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Relay.EventLoop;

/// <summary>
/// A socket on the gateway's own event loop, against a plain socket on loopback: reads that wait for the kernel's word
/// and still get every byte, zero-byte reads that only wait, writes held up by a reader that stops, the peer's end and
/// reset, cancellation, disposal under a pending read, connecting, and a closed descriptor's number taken by another
/// socket.
/// </summary>
public sealed class EventLoopStreamTests : IDisposable
{
    private readonly SocketEventLoop _loop = new(0, NullLogger.Instance);

    public void Dispose() => _loop.Dispose();

    [Fact]
    public async Task A_read_waits_for_bytes_sent_later_and_every_byte_arrives_in_order()
    {
        var (stream, peer) = Pair();
        await using (stream)
        using (peer)
        {
            var buffer = new byte[64];
            var reading = stream.ReadAsync(buffer, Wait.Token()).AsTask();
            await Task.Delay(100);
            Assert.False(reading.IsCompleted, "a read completed before anything was sent");

            await peer.SendAsync("abc"u8.ToArray(), SocketFlags.None);
            Assert.Equal(3, await reading.WaitAsync(Wait.Timeout));

            // A short read emptied the kernel's queue: the next read waits for the next edge, and still gets what follows.
            await peer.SendAsync("defgh"u8.ToArray(), SocketFlags.None);
            Assert.Equal(5, await stream.ReadAsync(buffer.AsMemory(3), Wait.Token()));
            Assert.Equal("abcdefgh"u8.ToArray(), buffer[..8]);
        }
    }

    [Fact]
    public async Task A_zero_byte_read_completes_when_bytes_arrive_and_consumes_none()
    {
        var (stream, peer) = Pair();
        await using (stream)
        using (peer)
        {
            var waiting = stream.ReadAsync(Memory<byte>.Empty, Wait.Token()).AsTask();
            await Task.Delay(100);
            Assert.False(waiting.IsCompleted, "a zero-byte read completed with nothing sent");

            await peer.SendAsync("xyz"u8.ToArray(), SocketFlags.None);
            Assert.Equal(0, await waiting.WaitAsync(Wait.Timeout));

            var buffer = new byte[16];
            Assert.Equal(3, await stream.ReadAsync(buffer, Wait.Token()));
            Assert.Equal("xyz"u8.ToArray(), buffer[..3]);
        }
    }

    [Fact]
    public async Task A_cancelled_wait_throws_and_the_stream_reads_on()
    {
        var (stream, peer) = Pair();
        await using (stream)
        using (peer)
        {
            using var cancel = new CancellationTokenSource();
            var waiting = stream.ReadAsync(Memory<byte>.Empty, cancel.Token).AsTask();
            await cancel.CancelAsync();
            var cancelled = await Assert.ThrowsAsync<OperationCanceledException>(() => waiting.WaitAsync(Wait.Timeout));
            Assert.Equal(cancel.Token, cancelled.CancellationToken);

            // The registration of the cancelled wait is gone: cancelling its source again touches no later wait.
            var buffer = new byte[16];
            var reading = stream.ReadAsync(buffer, Wait.Token()).AsTask();
            await peer.SendAsync("after"u8.ToArray(), SocketFlags.None);
            Assert.Equal(5, await reading.WaitAsync(Wait.Timeout));
        }
    }

    [Fact]
    public async Task The_peers_end_reads_as_zero_and_its_reset_as_an_io_exception()
    {
        var (ended, endingPeer) = Pair();
        await using (ended)
        {
            endingPeer.Shutdown(SocketShutdown.Send);
            Assert.Equal(0, await ended.ReadAsync(new byte[16], Wait.Token()));
            endingPeer.Dispose();
        }

        var (reset, resettingPeer) = Pair();
        await using (reset)
        {
            var reading = reset.ReadAsync(new byte[16], Wait.Token()).AsTask();
            resettingPeer.Close(0);
            var failed = await Assert.ThrowsAsync<IOException>(() => reading.WaitAsync(Wait.Timeout));
            Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(failed.InnerException).SocketErrorCode);
        }
    }

    [Fact]
    public async Task The_peers_end_queued_behind_its_last_bytes_is_read_after_them()
    {
        var (stream, peer) = Pair();
        await using (stream)
        {
            // The last frame and the end arrive together: one edge tells of both, and the end stays queued behind the
            // bytes. A read after the short read that took them must still ask the kernel, not wait for another edge.
            await peer.SendAsync("last"u8.ToArray(), SocketFlags.None);
            peer.Shutdown(SocketShutdown.Send);
            await Task.Delay(100);

            Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty, Wait.Token()));
            Assert.Equal(4, await stream.ReadAsync(new byte[64], Wait.Token()));
            Assert.Equal(0, await stream.ReadAsync(Memory<byte>.Empty, Wait.Token()).AsTask().WaitAsync(Wait.Timeout));
            Assert.Equal(0, await stream.ReadAsync(new byte[64], Wait.Token()).AsTask().WaitAsync(Wait.Timeout));
            Assert.Equal(0, await stream.ReadAsync(new byte[64], Wait.Token()).AsTask().WaitAsync(Wait.Timeout));
            peer.Dispose();
        }
    }

    [Fact]
    public async Task A_read_resumes_on_the_loops_thread_unless_asked_for_the_thread_pool()
    {
        var (stream, peer) = Pair();
        await using (stream)
        using (peer)
        {
            foreach (var onThreadPool in new[] { false, true })
            {
                stream.ResumeOnThreadPool = onThreadPool;
                var resumedOn = Task.Run(async () =>
                {
                    await stream.ReadAsync(Memory<byte>.Empty, Wait.Token()).ConfigureAwait(false);
                    return Thread.CurrentThread.Name;
                });
                await Task.Delay(100);
                await peer.SendAsync("x"u8.ToArray(), SocketFlags.None);

                var thread = await resumedOn.WaitAsync(Wait.Timeout);
                Assert.Equal(onThreadPool ? ".NET TP Worker" : "Media event loop 0", thread);
                Assert.Equal(1, await stream.ReadAsync(new byte[16], Wait.Token()));
            }
        }
    }

    [Fact]
    public async Task A_wait_failed_by_disposal_resumes_off_the_disposing_thread()
    {
        var (stream, peer) = Pair();
        using (peer)
        {
            var failedOn = Task.Run(async () =>
            {
                try
                {
                    await stream.ReadAsync(new byte[16], Wait.Token()).ConfigureAwait(false);
                    return -1;
                }
                catch (ObjectDisposedException)
                {
                    return Environment.CurrentManagedThreadId;
                }
            });
            await Task.Delay(100);

            var disposing = Environment.CurrentManagedThreadId;
            stream.Dispose();

            Assert.NotEqual(disposing, await failedOn.WaitAsync(Wait.Timeout));
        }
    }

    [Fact]
    public async Task A_write_the_kernel_cannot_take_waits_for_the_reader_and_arrives_whole()
    {
        var (stream, peer) = Pair(socketBufferBytes: 4096);
        await using (stream)
        using (peer)
        {
            var message = RandomNumberGenerator.GetBytes(4 * 1024 * 1024);
            var writing = stream.WriteAsync(message, Wait.Token()).AsTask();
            await Task.Delay(200);
            Assert.False(writing.IsCompleted, "4 MiB went into a connection nobody reads");

            var received = new byte[message.Length];
            var count = 0;
            while (count < received.Length)
            {
                count += await peer.ReceiveAsync(received.AsMemory(count), SocketFlags.None, Wait.Token());
            }

            await writing.WaitAsync(Wait.Timeout);
            Assert.True(message.AsSpan().SequenceEqual(received));
        }
    }

    [Fact]
    public async Task Disposing_under_a_pending_read_fails_the_read_and_closes_the_connection()
    {
        var (stream, peer) = Pair();
        using (peer)
        {
            var reading = stream.ReadAsync(new byte[16], Wait.Token()).AsTask();
            await stream.DisposeAsync();

            await Assert.ThrowsAsync<ObjectDisposedException>(() => reading.WaitAsync(Wait.Timeout));
            Assert.Equal(0, await peer.ReceiveAsync(new byte[16], SocketFlags.None, Wait.Token()));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => stream.ReadAsync(new byte[16], Wait.Token()).AsTask());
        }
    }

    [Fact]
    public async Task Stopping_the_loop_fails_what_waits_on_it()
    {
        var loop = new SocketEventLoop(1, NullLogger.Instance);
        var (stream, peer) = Pair(loop: loop);
        using (peer)
        {
            var reading = stream.ReadAsync(new byte[16], Wait.Token()).AsTask();
            loop.Dispose();

            // The host is going down after its drain: what is left is dropped.
            await Assert.ThrowsAsync<ObjectDisposedException>(() => reading.WaitAsync(Wait.Timeout));
            var dropped = await Assert.ThrowsAsync<SocketException>(() => peer.ReceiveAsync(new byte[16], SocketFlags.None, Wait.Token()).AsTask());
            Assert.Equal(SocketError.ConnectionReset, dropped.SocketErrorCode);
        }
    }

    [Fact]
    public async Task A_hang_up_is_told_while_watched_and_not_after()
    {
        var (watched, watchedPeer) = Pair();
        await using (watched)
        {
            var hungUp = new TaskCompletionSource();
            watched.WatchHangUp(() => hungUp.TrySetResult());
            watchedPeer.Dispose();
            await hungUp.Task.WaitAsync(Wait.Timeout);
        }

        var (unwatched, unwatchedPeer) = Pair();
        await using (unwatched)
        {
            var told = false;
            unwatched.WatchHangUp(() => told = true);
            unwatched.WatchHangUp(null);
            unwatchedPeer.Dispose();
            Assert.Equal(0, await unwatched.ReadAsync(new byte[16], Wait.Token()));
            Assert.False(told);
        }
    }

    [Fact]
    public async Task Abort_resets_the_connection()
    {
        var (stream, peer) = Pair();
        using (peer)
        {
            stream.Abort();
            var failed = await Assert.ThrowsAsync<SocketException>(() => peer.ReceiveAsync(new byte[16], SocketFlags.None, Wait.Token()).AsTask());
            Assert.Equal(SocketError.ConnectionReset, failed.SocketErrorCode);
        }
    }

    [Fact]
    public async Task Connects_by_name_and_by_address_and_reports_a_refusal()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        foreach (var host in new[] { "127.0.0.1", "localhost" })
        {
            await using var stream = await EventLoopStream.ConnectAsync(host, port, () => _loop, Wait.Token());
            using var accepted = await listener.AcceptAsync(Wait.Token());
            await stream.WriteAsync("hi"u8.ToArray(), Wait.Token());
            var buffer = new byte[2];
            Assert.Equal(2, await accepted.ReceiveAsync(buffer, SocketFlags.None, Wait.Token()));
            Assert.Equal("hi"u8.ToArray(), buffer);
        }

        listener.Dispose();
        var refused = await Assert.ThrowsAsync<SocketException>(() => EventLoopStream.ConnectAsync("127.0.0.1", port, () => _loop, Wait.Token()));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task A_connect_the_system_refuses_at_once_fails_with_the_error_NET_would_give()
    {
        // TCP to the broadcast address: the kernel refuses it in connect(2) itself (ENETUNREACH), not after it began.
        var failed = await Assert.ThrowsAsync<SocketException>(() => EventLoopStream.ConnectAsync("255.255.255.255", 9, () => _loop, Wait.Token()));

        Assert.Equal(SocketError.NetworkUnreachable, failed.SocketErrorCode);
    }

    [Fact]
    public async Task Disposing_a_stream_whose_socket_was_closed_leaves_the_socket_that_took_its_descriptor_alone()
    {
        // The socket closes behind the stream's back, and the next socket accepted takes its descriptor number (the
        // lowest free one; tried again if another test's socket took it first).
        for (var attempt = 0; ; attempt++)
        {
            var (first, firstPeer) = Pair();
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
            using var secondPeer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await secondPeer.ConnectAsync(listener.LocalEndPoint!, Wait.Token());
            var number = first.Socket.Handle;
            first.Socket.Close();
            await using var second = new EventLoopStream(listener.Accept(), _loop);
            if (second.Socket.Handle != number)
            {
                Assert.True(attempt < 20, "no socket took the closed one's descriptor");
                firstPeer.Dispose();
                continue;
            }

            await first.DisposeAsync();
            firstPeer.Dispose();

            var reading = second.ReadAsync(new byte[16], Wait.Token()).AsTask();
            await secondPeer.SendAsync("still"u8.ToArray(), SocketFlags.None);
            Assert.Equal(5, await reading.WaitAsync(Wait.Timeout));
            return;
        }
    }

    [Fact]
    public async Task A_socket_on_the_loop_is_in_no_other_epoll_set_so_dotnets_engine_never_wakes_for_it()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        await using var connected = await EventLoopStream.ConnectAsync("127.0.0.1", ((IPEndPoint)listener.LocalEndPoint!).Port, () => _loop, Wait.Token());
        using var peer = await listener.AcceptAsync(Wait.Token());
        var (accepted, acceptedPeer) = Pair();
        await using (accepted)
        using (acceptedPeer)
        {
            // Through a wait each way, and a write, as a relayed frame goes.
            var reading = accepted.ReadAsync(new byte[4], Wait.Token()).AsTask();
            await acceptedPeer.SendAsync("ping"u8.ToArray(), SocketFlags.None);
            await reading.WaitAsync(Wait.Timeout);
            await connected.WriteAsync("pong"u8.ToArray(), Wait.Token());
            var zeroByte = connected.ReadAsync(Memory<byte>.Empty, Wait.Token()).AsTask();
            await peer.SendAsync("x"u8.ToArray(), SocketFlags.None);
            await zeroByte.WaitAsync(Wait.Timeout);

            Assert.Equal(1, EpollSetsHolding(connected.Socket));
            Assert.Equal(1, EpollSetsHolding(accepted.Socket));
        }
    }

    /// <summary>How many of the process's epoll sets hold the socket's descriptor (Linux's /proc/self/fdinfo).</summary>
    private static int EpollSetsHolding(Socket socket)
    {
        var descriptor = socket.Handle.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var sets = 0;
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget == "anon_inode:[eventpoll]"
                    && File.ReadAllLines($"/proc/self/fdinfo/{Path.GetFileName(fd)}").Any(line => IsEntryFor(line, descriptor)))
                {
                    sets++;
                }
            }
            catch (IOException)
            {
                // A descriptor closed meanwhile by another test.
            }
        }

        return sets;
    }

    /// <summary>An epoll set's entry reads <c>tfd: &lt;descriptor, padded&gt; events: … data: …</c>.</summary>
    private static bool IsEntryFor(string line, string descriptor) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["tfd:", var held, ..] && held == descriptor;

    private (EventLoopStream Stream, Socket Peer) Pair(int? socketBufferBytes = null, SocketEventLoop? loop = null)
    {
        var (accepted, peer) = LoopbackConnection.Sockets(socketBufferBytes);
        return (new EventLoopStream(accepted, loop ?? _loop), peer);
    }
}
