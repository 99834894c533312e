using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Calls;

/// <summary>Two gateway replicas sharing one Redis: capacity is shared, and registry changes reach both.</summary>
public sealed class ReplicaTests : IAsyncLifetime
{
    private static readonly AgentKey Support = new("acme", "support");
    private readonly string _prefix = TestRedis.UniquePrefix();
    private BotServer _bot = null!;
    private GatewayHost _first = null!;
    private GatewayHost _second = null!;

    public async Task InitializeAsync()
    {
        var redis = await TestRedis.ConnectionStringAsync();
        _bot = await BotServer.StartAsync();
        _first = await GatewayHost.StartAsync(redis, _prefix);
        _second = await GatewayHost.StartAsync(redis, _prefix);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _bot.DisposeAsync();
    }

    [Fact]
    public async Task An_instance_of_capacity_1_takes_one_call_across_both_replicas()
    {
        await _first.PutAgentAsync("acme", "support", ("bot-1", _bot.WsUri, 1));
        await Wait.UntilAsync(() => _second.Registry.Current.TryGet(Support, out _), "the second replica knows the agent");

        var live = await TestCalls.ConnectAsync(_first, _bot);
        var (status, _, problem) = await UpgradeRequest.SendAsync(_second.CallUri(TestCalls.SupportQuery));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("no_capacity", problem.GetProperty("code").GetString());

        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hung up");
        TestCalls.AssertClose(await TestCalls.ReceiveAsync(live.Telnyx), WebSocketCloseStatus.NormalClosure, "hung up");
        await live.DisposeAsync();
        await _second.AssertCallGoneAsync(Support);

        await using var next = await TestCalls.ConnectAsync(_second, _bot);
        var session = Assert.Single(await _first.Sessions.ListAsync("acme"));
        Assert.Equal(next.Call.CallControlId, session.CallControlId);
        Assert.Equal(next.Bot.Headers["X-Daily-Session-Id"], session.SessionId);
    }

    [Fact]
    public async Task A_registry_change_through_one_replica_routes_calls_on_the_other_within_1_s()
    {
        await _first.PutAgentAsync("acme", "support", ("bot-1", _bot.WsUri, 1));
        await Wait.UntilAsync(() => _second.Registry.Current.TryGet(Support, out _), "the second replica knows the agent");
        await using var newBot = await BotServer.StartAsync();

        var changed = Stopwatch.StartNew();
        var revision = await _first.PutAgentAsync("acme", "support", ("bot-2", newBot.WsUri, 1));
        await Wait.UntilAsync(
            () => _second.Registry.Current.TryGet(Support, out var agent) && agent.Revision == revision,
            "the second replica sees the change",
            TimeSpan.FromSeconds(1));
        changed.Stop();

        await using var live = await TestCalls.ConnectAsync(_second, newBot);
        Assert.Equal(0, _bot.TotalConnections);
        Assert.True(changed.Elapsed < TimeSpan.FromSeconds(1), $"took {changed.Elapsed}");
        var session = Assert.Single(await _second.Sessions.ListAsync("acme"));
        Assert.Equal(revision, session.RegistryRevision);
        Assert.Equal("bot-2", session.InstanceId);
    }

    [Fact]
    public async Task Moving_an_agent_to_new_instances_leaves_live_calls_where_they_are()
    {
        await _first.PutAgentAsync("acme", "support", ("bot-1", _bot.WsUri, 1));
        await using var live = await TestCalls.ConnectAsync(_first, _bot);
        await using var newBot = await BotServer.StartAsync();

        var revision = await _first.PutAgentAsync("acme", "support", ("bot-2", newBot.WsUri, 1));
        await Wait.UntilAsync(
            () => _second.Registry.Current.TryGet(Support, out var agent) && agent.Revision == revision,
            "the second replica sees the move");
        var media = TelnyxFrames.Media(live.Call, 2, 1, 0, TelnyxFrames.SilenceFrame(1));
        await live.Telnyx.SendTextAsync(media);

        Assert.Equal(media, (await live.Bot.ReceiveAsync()).Payload);
        await using var moved = await TestCalls.ConnectAsync(_second, newBot);
    }
}
