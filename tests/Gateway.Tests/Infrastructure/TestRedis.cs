using Gateway.Redis;
using Microsoft.Extensions.Logging.Abstractions;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The Redis most tests share: the one the test script started (<c>GATEWAY_TEST_REDIS</c>), or else a private one
/// started on first use. Tests keep apart by giving each gateway its own key prefix.
/// </summary>
public static class TestRedis
{
    private static readonly Lazy<Task<string>> Shared = new(StartSharedAsync);

    public static Task<string> ConnectionStringAsync() => Shared.Value;

    /// <summary>
    /// A connection as a replica makes it, to <paramref name="connection"/>, under <paramref name="prefix"/>; with a 5 s
    /// command timeout rather than the gateway's 1 s, since no test on such a connection is about timeouts and the whole
    /// suite running on two cores can hold a reply's continuation in the thread pool's queue for over a second.
    /// </summary>
    public static RedisConnection Connect(string connection, string prefix) =>
        RedisConnectionFactory.Connect(connection, new RedisOptions { KeyPrefix = prefix, CommandTimeout = TimeSpan.FromSeconds(5) }, TimeProvider.System, NullLoggerFactory.Instance);

    /// <summary>
    /// Whether <paramref name="connection"/> is the shared Redis, which no test stops or pauses: a gateway on it gets the
    /// same 5 s command timeout as <see cref="Connect"/>, for the same reason.
    /// </summary>
    public static bool IsShared(string? connection) =>
        Shared.IsValueCreated && Shared.Value.IsCompletedSuccessfully && Shared.Value.Result == connection;

    /// <summary>A key prefix no other test uses.</summary>
    public static string UniquePrefix() => $"test:{Guid.NewGuid():N}:";

    private static async Task<string> StartSharedAsync()
    {
        var configured = Environment.GetEnvironmentVariable("GATEWAY_TEST_REDIS");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var server = await RedisServer.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.StopAsync().GetAwaiter().GetResult();
        return server.ConnectionString;
    }
}
