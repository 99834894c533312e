using System.Net;
using System.Net.Sockets;
using Gateway.Tests.Infrastructure;
using StackExchange.Redis;

namespace Gateway.Tests.Redis;

/// <summary>The private redis-server the outage tests stop, restart and pause.</summary>
public sealed class RedisServerTests
{
    [Fact]
    public async Task PauseAsync_leaves_commands_unanswered_until_ResumeAsync()
    {
        await using var server = await RedisServer.StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"{server.ConnectionString},asyncTimeout=500");
        var db = redis.GetDatabase();
        await db.StringSetAsync("paused", "no");

        await server.PauseAsync();
        await Assert.ThrowsAsync<RedisTimeoutException>(() => db.StringGetAsync("paused"));

        await server.ResumeAsync();
        Assert.Equal("no", await db.StringGetAsync("paused"));
    }

    [Fact]
    public async Task RestartAsync_brings_it_back_empty_on_the_same_port()
    {
        await using var server = await RedisServer.StartAsync();
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        await RedisProbe.ExecuteAsync(endPoint, "SET", "kept", "no");

        await server.StopAsync();
        await Assert.ThrowsAsync<SocketException>(() => RedisProbe.ExecuteAsync(endPoint, "PING"));

        await server.RestartAsync();
        Assert.True((await RedisProbe.ExecuteAsync(endPoint, "GET", "kept")).IsNull);
    }

    [Fact]
    public async Task RedisProbe_AnswerAsync_asks_a_paused_node_again_until_it_answers()
    {
        await using var server = await RedisServer.StartAsync();
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        await server.PauseAsync();
        var questions = 0;

        var answer = RedisProbe.AnswerAsync(
            () =>
            {
                Interlocked.Increment(ref questions);
                return RedisProbe.ExecuteAsync(endPoint, "PING");
            },
            "PING",
            TimeSpan.FromSeconds(60));

        // The first question's own timeout (2 s) has run out and it was asked again; only then does the node wake.
        await Wait.UntilAsync(() => Volatile.Read(ref questions) >= 2, "a second question", TimeSpan.FromSeconds(30));
        Assert.False(answer.IsCompleted);
        await server.ResumeAsync();

        Assert.Equal("PONG", (string?)await answer);
    }

    [Fact]
    public async Task RedisProbe_AnswerAsync_gives_up_after_its_timeout_and_passes_an_error_reply_on_at_once()
    {
        await using var server = await RedisServer.StartAsync();
        var endPoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        var questions = 0;

        await Assert.ThrowsAsync<RedisServerException>(() => RedisProbe.AnswerAsync(
            () =>
            {
                questions++;
                return RedisProbe.ExecuteAsync(endPoint, "NO-SUCH-COMMAND");
            },
            "an unknown command",
            TimeSpan.FromSeconds(20)));
        Assert.Equal(1, questions);

        await server.StopAsync();
        var timedOut = await Assert.ThrowsAsync<TimeoutException>(
            () => RedisProbe.AnswerAsync(() => RedisProbe.ExecuteAsync(endPoint, "PING"), "PING", TimeSpan.FromSeconds(1)));
        Assert.IsType<SocketException>(timedOut.InnerException);
    }

    [Fact]
    public async Task A_redis_server_that_cannot_start_says_why()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => RedisProcess.StartAsync(_ => ["--no-such-directive", "1"]));

        Assert.Contains("no-such-directive", failure.Message, StringComparison.Ordinal);
    }
}
