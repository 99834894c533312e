using System.Net;
using Gateway.Core;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Admin;

/// <summary>
/// Bot instances register one at a time; with <c>ttlSeconds</c> the registration is a heartbeat: once it lapses the
/// instance gets no new call (the call is refused before any bot connection), and the next heartbeat brings it back.
/// </summary>
public sealed class InstanceHeartbeatTests
{
    private const string Support = "/admin/v1/orgs/acme/agents/support";
    private static readonly AgentKey SupportKey = new("acme", "support");

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_lapsed_heartbeat_takes_no_calls_until_it_is_renewed(GatewayMode mode)
    {
        var clock = new ShiftedTimeProvider();
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await ClockedGateways.StartAsync(mode, clock, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Support, "{}")).AssertStatus(HttpStatusCode.Created);

        var registered = await admin.PutAsync($"{Support}/instances/pod-1", $$"""{"url":"{{bot.WsUri}}","ttlSeconds":30}""");

        registered.AssertStatus(HttpStatusCode.Created);
        var expiresAt = registered.Json.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expiresAt - clock.GetUtcNow(), TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
        await using (await TestCalls.ConnectAsync(gateway, bot))
        {
        }

        await gateway.AssertCallGoneAsync(SupportKey);
        Assert.Equal(1, bot.TotalConnections);

        // The pod stopped beating: 31 s later its registration has lapsed.
        clock.Advance(TimeSpan.FromSeconds(31));
        var (status, contentType, problem) = await UpgradeRequest.SendAsync(gateway.CallUri(TestCalls.SupportQuery));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal("no_capacity", problem.GetProperty("code").GetString());
        Assert.Equal(1, bot.TotalConnections);
        Assert.Equal(0, await gateway.ClaimCountAsync(SupportKey));

        // The next beat renews it.
        var renewed = await admin.PutAsync($"{Support}/instances/pod-1", $$"""{"url":"{{bot.WsUri}}","ttlSeconds":30}""");

        renewed.AssertStatus(HttpStatusCode.OK);
        Assert.True(renewed.Json.GetProperty("expiresAt").GetDateTimeOffset() > clock.GetUtcNow());
        await using (await TestCalls.ConnectAsync(gateway, bot))
        {
        }

        Assert.Equal(2, bot.TotalConnections);
        await gateway.AssertCallGoneAsync(SupportKey);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Without_ttlSeconds_an_instance_stays_until_deleted(GatewayMode mode)
    {
        var clock = new ShiftedTimeProvider();
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await ClockedGateways.StartAsync(mode, clock, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Support, "{}")).AssertStatus(HttpStatusCode.Created);

        var registered = await admin.PutAsync($"{Support}/instances/pod-1", $$"""{"url":"{{bot.WsUri}}"}""");
        clock.Advance(TimeSpan.FromDays(2));

        Assert.Equal($$"""{"id":"pod-1","url":"{{bot.WsUri}}","capacity":1,"expiresAt":null}""", registered.AssertStatus(HttpStatusCode.Created).Body);
        await using (await TestCalls.ConnectAsync(gateway, bot))
        {
        }

        Assert.Equal(1, bot.TotalConnections);
        await gateway.AssertCallGoneAsync(SupportKey);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Lapsed_instances_are_dropped_when_another_registers(GatewayMode mode)
    {
        var clock = new ShiftedTimeProvider();
        await using var gateway = await ClockedGateways.StartAsync(mode, clock, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Support, """{"instances":[{"id":"pod-static","url":"ws://10.0.0.1:8080/ws"}]}""")).AssertStatus(HttpStatusCode.Created);
        (await admin.PutAsync($"{Support}/instances/pod-a", """{"url":"ws://10.0.0.2:8080/ws","ttlSeconds":10}""")).AssertStatus(HttpStatusCode.Created);
        (await admin.PutAsync($"{Support}/instances/pod-b", """{"url":"ws://10.0.0.3:8080/ws","ttlSeconds":60}""")).AssertStatus(HttpStatusCode.Created);

        // pod-a died without deregistering; the next pod of the rollout registers.
        clock.Advance(TimeSpan.FromSeconds(11));
        (await admin.PutAsync($"{Support}/instances/pod-c", """{"url":"ws://10.0.0.4:8080/ws","ttlSeconds":10}""")).AssertStatus(HttpStatusCode.Created);

        Assert.True(gateway.Registry.Current.TryGet(SupportKey, out var agent));
        Assert.Equal(["pod-static", "pod-b", "pod-c"], agent.Resource.Instances.Select(i => i.Id));

        // A lapsed instance that beats again is renewed in place, not created.
        clock.Advance(TimeSpan.FromSeconds(11));
        (await admin.PutAsync($"{Support}/instances/pod-c", """{"url":"ws://10.0.0.4:8080/ws","ttlSeconds":10}""")).AssertStatus(HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Register_renew_and_deregister_answer_201_200_204_then_404(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Support, """{"instances":[{"id":"pod-0","url":"ws://10.0.0.1:8080/ws","capacity":3}]}""")).AssertStatus(HttpStatusCode.Created);

        var created = await admin.PutAsync($"{Support}/instances/pod-1", """{"url":"ws://10.0.0.2:8080/ws","capacity":2,"ttlSeconds":60}""");
        var renewed = await admin.PutAsync($"{Support}/instances/pod-1", """{"url":"ws://10.0.0.2:8080/ws","capacity":4,"ttlSeconds":60}""");

        created.AssertStatus(HttpStatusCode.Created);
        renewed.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(4, renewed.Json.GetProperty("capacity").GetInt32());
        Assert.True(gateway.Registry.Current.TryGet(SupportKey, out var agent));
        Assert.Equal(["pod-0", "pod-1"], agent.Resource.Instances.Select(i => i.Id));
        Assert.Equal([3, 4], agent.Resource.Instances.Select(i => i.Capacity));
        Assert.Null(agent.Resource.Instances[0].ExpiresAt);

        (await admin.DeleteAsync($"{Support}/instances/pod-1")).AssertStatus(HttpStatusCode.NoContent);
        (await admin.DeleteAsync($"{Support}/instances/pod-1")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.True(gateway.Registry.Current.TryGet(SupportKey, out agent));
        Assert.Equal(["pod-0"], agent.Resource.Instances.Select(i => i.Id));
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task An_instance_of_an_agent_that_does_not_exist_is_404(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));

        var put = await admin.PutAsync($"{Support}/instances/pod-1", """{"url":"ws://10.0.0.2:8080/ws","ttlSeconds":60}""");
        var delete = await admin.DeleteAsync($"{Support}/instances/pod-1");

        put.AssertProblem(HttpStatusCode.NotFound, "not_found");
        delete.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.False(gateway.Registry.Current.TryGet(SupportKey, out _));
    }

    [Fact]
    public async Task Heartbeats_of_many_pods_at_once_all_land()
    {
        await using var gateway = await GatewayHost.StartAsync(await TestRedis.ConnectionStringAsync(), settings: AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Support, "{}")).AssertStatus(HttpStatusCode.Created);

        // Each beat rewrites the agent over the revision it read; concurrent beats retry instead of losing each other.
        var beats = await Task.WhenAll(Enumerable.Range(1, 6).Select(i =>
            admin.PutAsync($"{Support}/instances/pod-{i}", $$"""{"url":"ws://10.0.0.{{i}}:8080/ws","ttlSeconds":30}""")));

        Assert.All(beats, beat => beat.AssertStatus(HttpStatusCode.Created));
        Assert.True(gateway.Registry.Current.TryGet(SupportKey, out var agent));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"pod-{i}"), agent.Resource.Instances.Select(i => i.Id).Order(StringComparer.Ordinal));
    }
}
