using System.Runtime.InteropServices;

namespace Gateway.Benchmarks;

/// <summary>The two libc calls .NET has no managed form of: a signal other than SIGKILL, and the kernel's tick rate.</summary>
internal static partial class Native
{
    public const int SigTerm = 15;

    private const int ScClockTicks = 2;

    /// <summary>USER_HZ, the unit of utime and stime in /proc/&lt;pid&gt;/stat (100 on every mainstream Linux).</summary>
    public static long ClockTicksPerSecond { get; } = ReadClockTicks();

    /// <summary>Sends <paramref name="signal"/>; false when the process is gone or may not be signalled.</summary>
    public static bool Signal(int pid, int signal) => Kill(pid, signal) == 0;

    private static long ReadClockTicks()
    {
        var ticks = SysConf(ScClockTicks);
        return ticks > 0 ? ticks : 100;
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long SysConf(int name);
}
