using Gateway.Calls;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Calls;

/// <summary>The route stage on its own: which agent a stream goes to, or the refusal, from the registry as it is.</summary>
public sealed class CallRouterTests
{
    private readonly CallStages _stages = new(
        (CallStages.Support, CallStages.Agent(instances: ("bot-1", 1))),
        (new AgentKey("acme", "closed"), CallStages.Agent(instances: ("bot-1", 1)) with { Enabled = false }),
        (new AgentKey("acme", "tiny"), CallStages.Agent(instances: ("bot-1", 1)) with { BodyMaxBytes = 8 }),
        (new AgentKey("acme", "locked"), CallStages.Agent(instances: ("bot-1", 1)) with { StreamAuth = StreamAuthMode.Token }));

    [Theory]
    [InlineData(null, "invalid_service_host", 400, "no serviceHost in the URL or in the start frame's custom_parameters")]
    [InlineData("Support_acme", "invalid_service_host", 400, null)]
    [InlineData("sales.acme", "unknown_agent", 404, "No agent answers to serviceHost 'sales.acme'.")]
    [InlineData("closed.acme", "agent_disabled", 403, "Agent 'closed.acme' is disabled.")]
    [InlineData("locked.acme", "stream_token_missing", 401, null)]
    public async Task A_stream_the_registry_does_not_take_is_refused_with_its_code(string? serviceHost, string code, int status, string? detail)
    {
        await using var scope = _stages.Scopes.Open();

        var route = await _stages.Router.RouteAsync(scope, serviceHost, new StreamRequest(serviceHost, null, null), CancellationToken.None);

        Assert.Null(route.Agent);
        Assert.Equal(code, route.Refusal!.Code);
        Assert.Equal(status, route.Refusal.Status);
        if (detail is not null)
        {
            Assert.Equal(detail, route.Refusal.Detail);
        }
    }

    [Fact]
    public async Task An_agent_the_registry_holds_names_the_call_even_when_it_refuses_it()
    {
        await using var scope = _stages.Scopes.Open();

        var route = await _stages.Router.RouteAsync(scope, "closed.acme", new StreamRequest("closed.acme", null, null), CancellationToken.None);

        Assert.Equal("agent_disabled", route.Refusal!.Code);
        Assert.Equal(new AgentKey("acme", "closed"), scope.Call.Agent);
    }

    [Fact]
    public async Task A_body_over_the_agents_own_limit_is_refused()
    {
        await using var scope = _stages.Scopes.Open();
        Assert.True(SessionBody.TryDecode(TestCalls.Base64("""{"customer":"42"}"""), 4096, out var body, out _));

        var route = await _stages.Router.RouteAsync(scope, "tiny.acme", new StreamRequest("tiny.acme", body, null), CancellationToken.None);

        Assert.Equal("invalid_body", route.Refusal!.Code);
        Assert.Equal("body is 17 bytes of JSON; agent 'tiny.acme' takes at most 8.", route.Refusal.Detail);
    }

    [Fact]
    public async Task A_routed_call_keeps_its_session_id_and_carries_the_registry_revision()
    {
        await using var scope = _stages.Scopes.Open();
        var sessionId = scope.Call.SessionId;

        var route = await _stages.Router.RouteAsync(scope, "SUPPORT.acme", new StreamRequest("SUPPORT.acme", null, null), CancellationToken.None);

        Assert.Null(route.Refusal);
        Assert.Equal(CallStages.Support, route.Agent!.Key);
        Assert.Equal(_stages.Registry.Current.Revision, route.RegistryRevision);
        Assert.Equal(sessionId, scope.Call.SessionId);
        Assert.Equal(CallStages.Support, scope.Call.Agent);
    }

    [Fact]
    public async Task A_dial_out_token_gives_the_stream_its_dial_outs_session_id_and_live_calls_find_it_by_that()
    {
        await using var scope = _stages.Scopes.Open();
        var locked = new AgentKey("acme", "locked");
        var token = _stages.Tokens.Issue(locked, callId: null, sessionId: "dialed-session");

        var route = await _stages.Router.RouteAsync(scope, "locked.acme", new StreamRequest("locked.acme", null, token), CancellationToken.None);

        Assert.Null(route.Refusal);
        Assert.Equal("dialed-session", scope.Call.SessionId);
        Assert.True(_stages.Calls.TryGet("dialed-session", out var found));
        Assert.Same(scope.Call, found);
        Assert.Equal(1, _stages.Calls.Count);
    }

    [Fact]
    public async Task A_token_is_spent_once()
    {
        var locked = new AgentKey("acme", "locked");
        var token = _stages.Tokens.Issue(locked, callId: "v3:call");
        await using var first = _stages.Scopes.Open();
        await using var second = _stages.Scopes.Open();

        var accepted = await _stages.Router.RouteAsync(first, "locked.acme", new StreamRequest("locked.acme", null, token), CancellationToken.None);
        var replayed = await _stages.Router.RouteAsync(second, "locked.acme", new StreamRequest("locked.acme", null, token), CancellationToken.None);

        Assert.Null(accepted.Refusal);
        Assert.Equal("stream_token_replayed", replayed.Refusal!.Code);
    }
}
