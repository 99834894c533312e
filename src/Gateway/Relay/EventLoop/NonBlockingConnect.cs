using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Gateway.Relay.EventLoop;

/// <summary>
/// Starts a non-blocking connect(2) on a socket that no .NET socket engine watches. <see cref="Socket.Connect(EndPoint)"/>
/// on a non-blocking socket reports a connect still under way (every bot hop's, on every call's set-up) by throwing: an
/// exception, its stack trace and its message for the expected case. Here it is a return value.
/// </summary>
internal static partial class NonBlockingConnect
{
    // Linux's errno values for what a connect reports.
    private const int Interrupted = 4;
    private const int AccessDenied = 13;
    private const int AddressInUse = 98;
    private const int AddressNotAvailable = 99;
    private const int NetworkUnreachable = 101;
    private const int ConnectionReset = 104;
    private const int TimedOut = 110;
    private const int ConnectionRefused = 111;
    private const int HostUnreachable = 113;
    private const int InProgress = 115;

    /// <summary>
    /// Connects <paramref name="socket"/>, a new socket of the caller's not yet shared with anything: true when connected
    /// at once; false while under way (writable once done, then <see cref="Result"/>).
    /// </summary>
    /// <exception cref="SocketException">The connect failed at once (no route, no local address or port left).</exception>
    public static bool Start(Socket socket, IPEndPoint endPoint)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(endPoint);
        var address = endPoint.Serialize();

        // The socket is the caller's own and not yet shared: nothing can close its descriptor meanwhile.
        var descriptor = (int)socket.SafeHandle.DangerousGetHandle();
        if (connect(descriptor, ref MemoryMarshal.GetReference(address.Buffer.Span), address.Size) == 0)
        {
            return true;
        }

        // A connect interrupted by a signal goes on in the background, as one under way does (POSIX).
        var errno = Marshal.GetLastPInvokeError();
        return errno is InProgress or Interrupted ? false : throw Failure(errno);
    }

    /// <summary>
    /// What a connect that was under way came to: null when connected. .NET reads SO_ERROR as its own portable code
    /// (a refusal, even on loopback, is reported this way: the connect is always under way first).
    /// </summary>
    public static SocketException? Result(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error and not 0 ? new SocketException(error) : null;
    }

    /// <summary>
    /// The exception .NET itself would throw: <see cref="SocketException(int)"/> takes .NET's portable codes, not errno
    /// (ECONNREFUSED is 111, <see cref="SocketError.ConnectionRefused"/> 10061).
    /// </summary>
    private static SocketException Failure(int errno) => new((int)(errno switch
    {
        ConnectionRefused => SocketError.ConnectionRefused,
        TimedOut => SocketError.TimedOut,
        HostUnreachable => SocketError.HostUnreachable,
        NetworkUnreachable => SocketError.NetworkUnreachable,
        ConnectionReset => SocketError.ConnectionReset,
        AddressNotAvailable => SocketError.AddressNotAvailable,
        AddressInUse => SocketError.AddressAlreadyInUse,
        AccessDenied => SocketError.AccessDenied,
        _ => SocketError.SocketError,
    }));

    [LibraryImport("libc", SetLastError = true)]
    private static partial int connect(int fd, ref byte address, int length);
}
