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
    public async Task A_redis_server_that_cannot_start_says_why()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => RedisProcess.StartAsync(_ => ["--no-such-directive", "1"]));

        Assert.Contains("no-such-directive", failure.Message, StringComparison.Ordinal);
    }
}
