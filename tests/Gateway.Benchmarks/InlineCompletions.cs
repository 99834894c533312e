namespace Gateway.Benchmarks;

/// <summary>
/// .NET's switch that runs socket completions on the epoll thread instead of queueing them to the thread pool. The load
/// tool and the benchmark's own bots set it (their per-frame code never blocks); the servers under test never inherit it.
/// </summary>
internal static class InlineCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Turns it on for this process. Effective because the socket engine reads the variable once, when the first
    /// asynchronous socket operation starts, which is after this runs at the top of Main.
    /// </summary>
    public static void Enable() => Environment.SetEnvironmentVariable(Variable, "1");
}
