using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Gateway.Relay.EventLoop;

/// <summary>Linux's epoll, as the gateway's own event loops call it.</summary>
internal static partial class Epoll
{
    public const uint In = 0x001;
    public const uint Out = 0x004;
    public const uint Err = 0x008;
    public const uint Hup = 0x010;
    public const uint RdHup = 0x2000;
    public const uint EdgeTriggered = 1u << 31;

    private const int CloseOnExec = 0x80000;
    private const int NonBlocking = 0x800;
    private const int Add = 1;
    private const int Delete = 2;
    private const int Interrupted = 4;

    /// <summary>The size of one event in the kernel's array: packed to 12 bytes on x86-64, 16 elsewhere.</summary>
    public static readonly int EventBytes = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 12 : 16;

    private static readonly int DataOffset = EventBytes == 12 ? 4 : 8;

    public static int Create()
    {
        var fd = epoll_create1(CloseOnExec);
        return fd >= 0 ? fd : throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public static void Register(int epoll, int fd, ulong token)
    {
        Span<byte> registration = stackalloc byte[16];
        registration.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(registration, In | Out | RdHup | EdgeTriggered);
        BinaryPrimitives.WriteUInt64LittleEndian(registration[DataOffset..], token);
        if (epoll_ctl(epoll, Add, fd, ref MemoryMarshal.GetReference(registration)) != 0)
        {
            throw new IOException($"epoll_ctl(ADD) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    public static void Unregister(int epoll, int fd)
    {
        Span<byte> unused = stackalloc byte[16];
        _ = epoll_ctl(epoll, Delete, fd, ref MemoryMarshal.GetReference(unused));
    }

    /// <summary>Waits for events (forever); returns how many were written to <paramref name="events"/>, or -errno.</summary>
    public static int Wait(int epoll, Span<byte> events)
    {
        while (true)
        {
            var count = epoll_wait(epoll, ref MemoryMarshal.GetReference(events), events.Length / EventBytes, -1);
            if (count >= 0)
            {
                return count;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Interrupted)
            {
                return -errno;
            }
        }
    }

    public static (uint Events, ulong Token) Read(ReadOnlySpan<byte> events, int index)
    {
        var entry = events.Slice(index * EventBytes, EventBytes);
        return (BinaryPrimitives.ReadUInt32LittleEndian(entry), BinaryPrimitives.ReadUInt64LittleEndian(entry[DataOffset..]));
    }

    /// <summary>An eventfd, registered with token 0, that wakes a loop to stop it.</summary>
    public static int CreateWakeUp(int epoll)
    {
        var fd = eventfd(0, CloseOnExec | NonBlocking);
        if (fd < 0)
        {
            throw new InvalidOperationException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        }

        Register(epoll, fd, 0);
        return fd;
    }

    public static void WakeUp(int eventFd)
    {
        ulong one = 1;
        _ = write(eventFd, ref one, sizeof(ulong));
    }

    public static void Close(int fd) => _ = close(fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_create1(int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int eventfd(uint initval, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint write(int fd, ref ulong buffer, nint count);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int close(int fd);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_ctl(int epfd, int op, int fd, ref byte @event);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int epoll_wait(int epfd, ref byte events, int maxevents, int timeout);
}
