namespace Gateway.Tests.Infrastructure;

/// <summary>A private redis-server process on a free loopback port, for tests that need to stop, start or pause it.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly RedisProcess _process;

    private RedisServer(RedisProcess process) => _process = process;

    public int Port => _process.Port;

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisServer> StartAsync() =>
        new(await RedisProcess.StartAsync(_ => ["--save", "", "--appendonly", "no"]));

    /// <summary>Kills the server (as a crash would): clients see their connections drop.</summary>
    public Task StopAsync() => _process.KillAsync();

    /// <summary>Starts it again on the same port, empty (it keeps no data on disk).</summary>
    public Task RestartAsync() => _process.RestartAsync();

    /// <summary>Freezes it (SIGSTOP), as a hung host would: connections stay open, commands get no answer.</summary>
    public Task PauseAsync() => _process.PauseAsync();

    /// <summary>Lets it run again (SIGCONT); it then answers what was sent while it was paused.</summary>
    public Task ResumeAsync() => _process.ResumeAsync();

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
