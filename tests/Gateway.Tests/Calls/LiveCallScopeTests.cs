using Gateway.Calls;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Calls;

/// <summary>The live call scope on its own: what a call holds is released on every way out.</summary>
public sealed class LiveCallScopeTests
{
    private readonly CallStages _stages = new((CallStages.Support, CallStages.Agent(instances: ("bot-1", 1))));

    [Fact]
    public async Task Opening_registers_the_call_and_disposing_releases_its_claim_and_session_record_then_unregisters_it()
    {
        var scope = _stages.Scopes.Open();
        var call = scope.Call;
        Assert.True(_stages.Calls.TryGet(call.SessionId, out _));
        Assert.False(_stages.Calls.Emptied.IsCompleted);
        var claim = (await _stages.Claims.ClaimAsync(_stages.Registered(CallStages.Support), call.SessionId, new HashSet<string>(), CancellationToken.None)).Claim!;
        call.Admitted(claim);
        var session = TestSessions.Sample(call.SessionId, "acme", DateTimeOffset.UnixEpoch);
        await _stages.Sessions.AddAsync(session);
        call.Relaying(session);

        await scope.DisposeAsync();

        Assert.Equal(0, _stages.Claims.Count);
        Assert.Null(await _stages.Sessions.GetAsync(call.SessionId));
        Assert.False(_stages.Calls.TryGet(call.SessionId, out _));
        Assert.True(_stages.Calls.Emptied.IsCompleted);
    }

    [Fact]
    public async Task A_call_refused_before_any_claim_leaves_nothing_behind()
    {
        var scope = _stages.Scopes.Open();

        await scope.DisposeAsync();

        Assert.Equal(0, _stages.Calls.Count);
        Assert.Equal(0, _stages.Claims.Count);
    }

    [Fact]
    public async Task The_call_is_the_log_scope_naming_its_session_and_once_routed_its_agent()
    {
        await using var scope = _stages.Scopes.Open();
        var call = scope.Call;
        Assert.Equal([new("SessionId", call.SessionId)], call.ToList());

        scope.Routed(CallStages.Support, sessionId: "dialed");

        Assert.Equal([new("SessionId", "dialed"), new("Org", "acme"), new KeyValuePair<string, object?>("Agent", "support")], call.ToList());
        Assert.Equal("Session dialed (acme/support)", call.ToString());
        Assert.True(_stages.Calls.TryGet("dialed", out _));
    }
}
