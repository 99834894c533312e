using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Calls;

/// <summary>Two gateway replicas sharing one Redis: capacity is shared, and registry changes reach both.</summary>
public sealed class ReplicaTests : TwoReplicasTest
{
    [Fact]
    public async Task An_instance_of_capacity_1_takes_one_call_acrossBoth_replicas()
    {
        await First.PutAgentAsync("acme", "support", ("bot-1", Bot.WsUri, 1));
        await Wait.UntilAsync(() => Second.Registry.Current.TryGet(Support, out _), "the second replica knows the agent");

        var live = await TestCalls.ConnectAsync(First, Bot);
        var (status, _, problem) = await UpgradeRequest.SendAsync(Second.CallUri(TestCalls.SupportQuery));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("no_capacity", problem.GetProperty("code").GetString());

        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hung up");
        TestCalls.AssertClose(await TestCalls.ReceiveAsync(live.Telnyx), WebSocketCloseStatus.NormalClosure, "hung up");
        await live.DisposeAsync();
        await Second.AssertCallGoneAsync(Support);

        await using var next = await TestCalls.ConnectAsync(Second, Bot);
        var session = Assert.Single(await First.Sessions.ListAsync("acme"));
        Assert.Equal(next.Call.CallControlId, session.CallControlId);
        Assert.Equal(next.Bot.Headers["X-Daily-Session-Id"], session.SessionId);
    }

    [Fact]
    public async Task A_registry_change_through_one_replica_routes_calls_on_the_other_within_1_s()
    {
        await First.PutAgentAsync("acme", "support", ("bot-1", Bot.WsUri, 1));
        await Wait.UntilAsync(() => Second.Registry.Current.TryGet(Support, out _), "the second replica knows the agent");
        await using var newBot = await BotServer.StartAsync();

        var changed = Stopwatch.StartNew();
        var revision = await First.PutAgentAsync("acme", "support", ("bot-2", newBot.WsUri, 1));
        await Wait.UntilAsync(
            () => Second.Registry.Current.TryGet(Support, out var agent) && agent.Revision == revision,
            "the second replica sees the change",
            TimeSpan.FromSeconds(1));
        changed.Stop();

        await using var live = await TestCalls.ConnectAsync(Second, newBot);
        Assert.Equal(0, Bot.TotalConnections);
        Assert.True(changed.Elapsed < TimeSpan.FromSeconds(1), $"took {changed.Elapsed}");
        var session = Assert.Single(await Second.Sessions.ListAsync("acme"));
        Assert.Equal(revision, session.RegistryRevision);
        Assert.Equal("bot-2", session.InstanceId);
    }

    [Fact]
    public async Task Moving_an_agent_to_new_instances_leaves_live_calls_where_they_are()
    {
        await First.PutAgentAsync("acme", "support", ("bot-1", Bot.WsUri, 1));
        await using var live = await TestCalls.ConnectAsync(First, Bot);
        await using var newBot = await BotServer.StartAsync();

        var revision = await First.PutAgentAsync("acme", "support", ("bot-2", newBot.WsUri, 1));
        await Wait.UntilAsync(
            () => Second.Registry.Current.TryGet(Support, out var agent) && agent.Revision == revision,
            "the second replica sees the move");
        var media = TelnyxFrames.Media(live.Call, 2, 1, 0, TelnyxFrames.SilenceFrame(1));
        await live.Telnyx.SendTextAsync(media);

        Assert.Equal(media, (await live.Bot.ReceiveAsync()).Payload);
        await using var moved = await TestCalls.ConnectAsync(Second, newBot);
    }
}
