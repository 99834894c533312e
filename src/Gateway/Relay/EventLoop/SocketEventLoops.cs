using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Relay.EventLoop;

/// <summary>
/// Where the gateway's call connections (the media listener's, and every bot hop) wait for the kernel:
/// <see cref="RelayOptions.EventLoops"/> threads of the gateway's own on Linux, each an epoll loop; otherwise, or with
/// the option at 0, .NET's socket engine through a <see cref="NetworkStream"/>.
/// </summary>
/// <remarks>
/// Owned code, because it is the product's hot path: .NET's socket engine asks the kernel before every wait (one
/// receive per frame that finds nothing) and crosses its own queues per operation; a loop that reads only on the
/// kernel's word makes a relayed frame one receive and one send, as nginx does (README, "Benchmark").
/// </remarks>
public sealed partial class SocketEventLoops : IDisposable
{
    private readonly int _count;
    private readonly Lazy<SocketEventLoop[]> _loops;
    private int _next;

    public SocketEventLoops(IOptions<RelayOptions> options, ILogger<SocketEventLoops> logger)
        : this(LoopCount(options.Value.EventLoops), logger)
    {
    }

    internal SocketEventLoops(int count, ILogger logger)
    {
        _count = OperatingSystem.IsLinux() ? count : 0;
        _loops = new(() => Start(_count, logger));
    }

    /// <summary>How many loops are asked for (started with the first connection); 0 when .NET's socket engine serves instead.</summary>
    public int Count => _count;

    /// <summary>A stream over a connected socket, which it owns from here on.</summary>
    public Stream Open(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        try
        {
            socket.NoDelay = true;
            return Next() is { } loop ? new EventLoopStream(socket, loop) : new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            // A loop stopped with its host, or a connection already reset.
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Connects to the first of the host's addresses that accepts.</summary>
    public async Task<Stream> ConnectAsync(string host, int port, CancellationToken cancellationToken)
    {
        if (Next() is { } first)
        {
            return await EventLoopStream.ConnectAsync(host, port, () => Next() ?? first, cancellationToken);
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(host, port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (_loops.IsValueCreated)
        {
            foreach (var loop in _loops.Value)
            {
                loop.Dispose();
            }
        }
    }

    internal static int LoopCount(int? configured) => configured ?? Environment.ProcessorCount;

    /// <summary>The next loop, round robin: connections are spread over the loops as they open. Null: none runs.</summary>
    private SocketEventLoop? Next()
    {
        if (_count == 0 || _loops.Value is not { Length: > 0 } loops)
        {
            return null;
        }

        return loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)loops.Length)];
    }

    /// <summary>The loops, started with the first connection; none (.NET's engine serves) when the system refuses one.</summary>
    private static SocketEventLoop[] Start(int count, ILogger logger)
    {
        var started = new List<SocketEventLoop>(count);
        try
        {
            for (var index = 0; index < count; index++)
            {
                started.Add(new SocketEventLoop(index, logger));
            }

            return [.. started];
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            foreach (var loop in started)
            {
                loop.Dispose();
            }

            LogStartFailed(logger, e);
            return [];
        }
    }

    [LoggerMessage(EventId = 1017, Level = LogLevel.Error, Message = "The media event loops could not start; calls wait on .NET's socket engine instead")]
    private static partial void LogStartFailed(ILogger logger, Exception exception);
}
