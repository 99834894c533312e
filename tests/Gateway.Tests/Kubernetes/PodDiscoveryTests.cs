using System.Net;
using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Gateway.Tests.Kubernetes;

/// <summary>
/// An agent whose instances are the ready pods of a Kubernetes Service, on two replicas watching on their own: pods
/// added, made not ready, terminating, removed and re-added change where new calls go, on both, within 2 s; live
/// calls stay where they are.
/// </summary>
public sealed class PodDiscoveryTests(ITestOutputHelper output) : TwoReplicasWithPodsTest
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        // Short leases, so that the test sees a live call's claim outlive several of them after its pod has gone.
        ["Claims:LeaseDuration"] = "00:00:02",
        ["Claims:RenewInterval"] = "00:00:00.500",
    };

    [Fact]
    public async Task Calls_go_only_to_ready_pods_on_both_replicas()
    {
        Api.Apply(Pod("pod-a"));
        Api.Apply(Pod("pod-b"));
        Api.Apply(Pod("pod-c", ready: false));
        await UntilRoutedAsync("pod-a", "pod-b");
        var agent = Assert.IsType<Gateway.Registry.RegisteredAgent>(First.Registry.Current.TryGet(Support, out var registered) ? registered : null);
        Assert.Equal(new Uri($"ws://127.0.0.1:{Bot("pod-a").WsUri.Port}/ws"), agent.Instances[0].Url);
        Assert.Equal(1, agent.Instances[0].Capacity);
        Assert.Equal(2, agent.DiscoveredCount);

        // Capacity 1 per pod: one call each, the least-loaded first on either replica, then no room.
        await using var first = await TestCalls.ConnectAsync(First, Bot("pod-a"));
        await using var second = await TestCalls.ConnectAsync(Second, Bot("pod-b"));
        var (status, _, problem) = await UpgradeRequest.SendAsync(First.CallUri(TestCalls.SupportQuery));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("no_capacity", problem.GetProperty("code").GetString());
        Assert.Equal(0, Bot("pod-c").UpgradeRequests);
        Assert.Equal("pod-a", (await First.Sessions.GetAsync(first.Bot.Headers["X-Daily-Session-Id"]))!.InstanceId);
        Assert.Equal("pod-b", (await Second.Sessions.GetAsync(second.Bot.Headers["X-Daily-Session-Id"]))!.InstanceId);
    }

    [Fact]
    public async Task A_terminating_pod_takes_no_new_call_and_keeps_its_live_call_to_the_end()
    {
        Api.Apply(Pod("pod-a"));
        await UntilRoutedAsync("pod-a");
        await using var live = await TestCalls.ConnectAsync(First, Bot("pod-a"));

        Api.Apply(Pod("pod-a", ready: false, terminating: true));
        await UntilRoutedAsync();
        var (status, _, problem) = await UpgradeRequest.SendAsync(Second.CallUri(TestCalls.SupportQuery));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("no_capacity", problem.GetProperty("code").GetString());

        // Longer than a lease: the claim of the call, whose instance is no longer the agent's, is still renewed.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var expiries = await ClaimExpiriesAsync();
        var expiry = Assert.Single(expiries);
        Assert.True(expiry > DateTimeOffset.UtcNow, $"the claim lapsed at {expiry:O}");
        var media = TelnyxFrames.Media(live.Call, 2, 1, 0, TelnyxFrames.SilenceFrame(1));
        await live.Telnyx.SendTextAsync(media);
        Assert.Equal(media, (await live.Bot.ReceiveAsync()).Payload);
        var answer = TelnyxFrames.BotMedia(TelnyxFrames.SilenceFrame(2));
        await live.Bot.SendTextAsync(answer);
        Assert.Equal(answer, (await TestCalls.ReceiveAsync(live.Telnyx)).Payload);

        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hung up");
        TestCalls.AssertClose(await TestCalls.ReceiveAsync(live.Telnyx), WebSocketCloseStatus.NormalClosure, "hung up");
        await First.AssertCallGoneAsync(Support);

        // Ready again: it takes calls again, on either replica.
        Api.Apply(Pod("pod-a"));
        await UntilRoutedAsync("pod-a");
        await using var next = await TestCalls.ConnectAsync(Second, Bot("pod-a"));
    }

    [Fact]
    public async Task A_pod_removed_takes_no_call_and_takes_calls_again_once_re_added()
    {
        Api.Apply(Pod("pod-a"));
        Api.Apply(Pod("pod-b"));
        await UntilRoutedAsync("pod-a", "pod-b");

        Api.Delete(Pod("pod-a"));
        await UntilRoutedAsync("pod-b");
        await using (var onB = await TestCalls.ConnectAsync(First, Bot("pod-b")))
        {
            var (status, _, _) = await UpgradeRequest.SendAsync(Second.CallUri(TestCalls.SupportQuery));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        }

        await First.AssertCallGoneAsync(Support);
        Api.Apply(Pod("pod-a"));
        await UntilRoutedAsync("pod-a", "pod-b");
        await using var onA = await TestCalls.ConnectAsync(Second, Bot("pod-a"));
        Assert.Equal(1, Bot("pod-a").TotalConnections);
    }

    [Fact]
    public async Task A_pod_change_reaches_routing_on_both_replicas_within_2_s()
    {
        var changes = new (string What, Action Change, string[] Routed)[]
        {
            ("pod-a added", () => Api.Apply(Pod("pod-a")), ["pod-a"]),
            ("pod-b added", () => Api.Apply(Pod("pod-b")), ["pod-a", "pod-b"]),
            ("pod-a not ready", () => Api.Apply(Pod("pod-a", ready: false)), ["pod-b"]),
            ("pod-b terminating", () => Api.Apply(Pod("pod-b", ready: false, terminating: true)), []),
            ("pod-a ready again", () => Api.Apply(Pod("pod-a")), ["pod-a"]),
            ("pod-b removed, pod-c added", () => { Api.Delete(Pod("pod-b")); Api.Apply(Pod("pod-c")); }, ["pod-a", "pod-c"]),
        };

        var slowest = TimeSpan.Zero;
        foreach (var (what, change, routed) in changes)
        {
            change();
            var took = await UntilRoutedAsync(routed);
            output.WriteLine($"{what}: routing on both replicas after {took.TotalMilliseconds:0} ms");
            slowest = took > slowest ? took : slowest;
        }

        output.WriteLine($"slowest: {slowest.TotalMilliseconds:0} ms");
        Assert.True(slowest <= TimeSpan.FromSeconds(2), $"a pod change took {slowest} to reach routing on both replicas");
    }

    /// <summary>The lease expiries of the agent's claims in Redis.</summary>
    private async Task<DateTimeOffset[]> ClaimExpiriesAsync()
    {
        var redis = First.Services.GetRequiredService<RedisConnection>();
        var keys = First.Services.GetRequiredService<RedisKeys>();
        var claims = await redis.Database.SortedSetRangeByRankWithScoresAsync(keys.Claims(Support));
        return [.. claims.Select(claim => DateTimeOffset.FromUnixTimeMilliseconds((long)claim.Score))];
    }
}
