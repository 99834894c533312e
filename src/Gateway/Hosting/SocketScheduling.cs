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

    /// <summary>Turns inline completions on unless the environment already decided; must run before any socket is used.</summary>
    public static void PreferInlineCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
    }

    public static bool InlineCompletions => Environment.GetEnvironmentVariable(InlineCompletionsVariable) == "1";
}
