using System.Net;
using System.Net.WebSockets;
using Gateway.Core;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Admin;

/// <summary>A live call is visible to its organization (and a platform admin) while it lasts, and to no one else.</summary>
public sealed class SessionTests
{
    private static readonly AgentKey SupportKey = new("acme", "support");

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_live_call_is_listed_for_its_org_only_and_disappears_when_it_ends(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var acme = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var globex = new AdminClient(gateway, AdminTokens.ForOrg("globex"));
        var platform = new AdminClient(gateway, AdminTokens.PlatformAdmin());
        var put = await acme.PutAsync("/admin/v1/orgs/acme/agents/support", $$"""{"instances":[{"id":"bot-1","url":"{{bot.WsUri}}"}]}""");
        put.AssertStatus(HttpStatusCode.Created);
        Assert.True(gateway.Registry.Current.TryGet(SupportKey, out var agent));

        await using var call = await TestCalls.ConnectAsync(gateway, bot);
        var sessionId = call.Bot.Headers["X-Daily-Session-Id"];

        var list = (await acme.GetAsync("/admin/v1/orgs/acme/sessions")).AssertStatus(HttpStatusCode.OK).Json.GetProperty("sessions");
        var one = (await acme.GetAsync($"/admin/v1/orgs/acme/sessions/{sessionId}")).AssertStatus(HttpStatusCode.OK).Json;

        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal(one.GetRawText(), list[0].GetRawText());
        Assert.Equal(sessionId, one.GetProperty("sessionId").GetString());
        Assert.Equal("acme", one.GetProperty("org").GetString());
        Assert.Equal("support", one.GetProperty("agent").GetString());
        Assert.Equal("bot-1", one.GetProperty("instanceId").GetString());
        Assert.Equal(call.Call.CallControlId, one.GetProperty("callControlId").GetString());
        Assert.Equal(call.Call.CallSessionId, one.GetProperty("callSessionId").GetString());
        Assert.Equal(call.Call.StreamId, one.GetProperty("streamId").GetString());
        Assert.Equal(call.Call.From, one.GetProperty("from").GetString());
        Assert.Equal(call.Call.To, one.GetProperty("to").GetString());
        Assert.Equal(agent.Revision, one.GetProperty("registryRevision").GetInt64());
        Assert.Equal("url", one.GetProperty("routedBy").GetString());

        // A platform admin sees it too; another organization sees nothing, asking under either organization's name.
        Assert.Equal(one.GetRawText(), (await platform.GetAsync($"/admin/v1/orgs/acme/sessions/{sessionId}")).AssertStatus(HttpStatusCode.OK).Json.GetRawText());
        (await globex.GetAsync($"/admin/v1/orgs/acme/sessions/{sessionId}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        (await globex.GetAsync("/admin/v1/orgs/acme/sessions")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        var underOwnName = await globex.GetAsync($"/admin/v1/orgs/globex/sessions/{sessionId}");
        underOwnName.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal($"No live session '{sessionId}' in organization 'globex'.", underOwnName.Json.GetProperty("detail").GetString());
        Assert.Equal("""{"sessions":[]}""", (await globex.GetAsync("/admin/v1/orgs/globex/sessions")).AssertStatus(HttpStatusCode.OK).Body);

        await call.Telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "caller hung up", Wait.Token());
        await gateway.AssertCallGoneAsync(SupportKey);

        Assert.Equal("""{"sessions":[]}""", (await acme.GetAsync("/admin/v1/orgs/acme/sessions")).AssertStatus(HttpStatusCode.OK).Body);
        (await acme.GetAsync($"/admin/v1/orgs/acme/sessions/{sessionId}")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_replica_lists_the_calls_another_replica_relays()
    {
        var redis = await TestRedis.ConnectionStringAsync();
        var prefix = TestRedis.UniquePrefix();
        await using var bot = await BotServer.StartAsync();
        await using var relaying = await GatewayHost.StartAsync(redis, prefix, AdminTokens.Settings());
        await using var asked = await GatewayHost.StartAsync(redis, prefix, AdminTokens.Settings());
        var acme = new AdminClient(asked, AdminTokens.ForOrg("acme"));
        (await acme.PutAsync("/admin/v1/orgs/acme/agents/support", $$"""{"instances":[{"id":"bot-1","url":"{{bot.WsUri}}"}]}""")).AssertStatus(HttpStatusCode.Created);
        await Wait.UntilAsync(() => relaying.Registry.Current.TryGet(SupportKey, out _), "the relaying replica knows the agent");

        await using var call = await TestCalls.ConnectAsync(relaying, bot);
        var sessionId = call.Bot.Headers["X-Daily-Session-Id"];

        var list = (await acme.GetAsync("/admin/v1/orgs/acme/sessions")).AssertStatus(HttpStatusCode.OK).Json.GetProperty("sessions");
        Assert.Equal([sessionId], list.EnumerateArray().Select(s => s.GetProperty("sessionId").GetString()));
        Assert.Equal(relaying.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.ReplicaId, list[0].GetProperty("replicaId").GetString());
    }
}
