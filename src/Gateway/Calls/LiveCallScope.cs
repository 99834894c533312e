using Gateway.Claims;
using Gateway.Core;
using Gateway.Sessions;

namespace Gateway.Calls;

/// <summary>
/// A call's stay in <see cref="LiveCalls"/> and all it holds: registered when opened, and on every way out (disposed)
/// its claim released, its session record removed and the call unregistered, in that order.
/// </summary>
public sealed class LiveCallScope : IAsyncDisposable
{
    private readonly LiveCalls _calls;
    private readonly IInstanceClaims _claims;
    private readonly ISessionStore _sessions;

    internal LiveCallScope(LiveCall call, LiveCalls calls, IInstanceClaims claims, ISessionStore sessions)
    {
        Call = call;
        _calls = calls;
        _claims = claims;
        _sessions = sessions;
        calls.Add(call);
    }

    public LiveCall Call { get; }

    /// <summary>Routing found the call's agent, and maybe the session id its dial-out answered with.</summary>
    public void Routed(AgentKey agent, string? sessionId)
    {
        var previous = Call.SessionId;
        Call.Routed(agent, sessionId);
        if (previous != Call.SessionId)
        {
            _calls.Rekey(Call, previous);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Call.Claim is { } claim)
        {
            await _claims.ReleaseAsync(claim);
        }

        if (Call.Session is { } session)
        {
            await _sessions.RemoveAsync(session);
        }

        _calls.Remove(Call);
    }
}
