using System.Globalization;

namespace Gateway.Hosting;

/// <summary>
/// Where socket completions run. A relay's continuation is short and never blocks (receive a frame, hand it to the
/// other socket, wait again), so running it on the socket engine's own thread, as nginx runs its event loop, saves a
/// thread-pool hand-off and a context switch per frame. Operators can turn it off by setting the variable to 0.
/// </summary>
internal static class SocketScheduling
{
    /// <summary>.NET's switch for inline socket completions; read once, when the first asynchronous socket operation starts.</summary>
    public const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>How many socket engines (event threads) .NET runs; read with the switch above.</summary>
    public const string EngineCountVariable = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";

    /// <summary>
    /// Turns inline completions on, with two socket engines per processor, unless the environment already decided;
    /// must run before any socket is used.
    /// </summary>
    public static void PreferInlineCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }

        if (EngineCount(Environment.GetEnvironmentVariable(InlineCompletionsVariable), Environment.GetEnvironmentVariable(EngineCountVariable), Environment.ProcessorCount) is { } engines)
        {
            Environment.SetEnvironmentVariable(EngineCountVariable, engines);
        }
    }

    public static bool InlineCompletions => Environment.GetEnvironmentVariable(InlineCompletionsVariable) == "1";

    /// <summary>
    /// The engine count to set, or null to leave .NET's. With inline completions .NET runs one engine per processor, and
    /// every relayed frame is handled on the engine its socket belongs to; an engine whose thread waits for a core holds
    /// every call on it. With two per processor a call set-up's replies (Redis's claim, the bot's 101) and the calls'
    /// frames queue behind fewer others: set-up p99 at 400 calls on 2 cores went from 8.3-19.5 ms to 7.0-9.6 ms
    /// (README, "Benchmark"). Without inline completions the engines only hand work to the thread pool: .NET's own
    /// count stands, as does any count the operator set.
    /// </summary>
    internal static string? EngineCount(string? inlineCompletions, string? engineCount, int processorCount) =>
        inlineCompletions == "1" && engineCount is null ? (2 * processorCount).ToString(CultureInfo.InvariantCulture) : null;
}
