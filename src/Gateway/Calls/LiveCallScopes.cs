using Gateway.Claims;
using Gateway.Core;
using Gateway.Sessions;

namespace Gateway.Calls;

/// <summary>Opens each call's <see cref="LiveCallScope"/>: a new session id, the clock started, the call registered.</summary>
public sealed class LiveCallScopes(LiveCalls calls, IInstanceClaims claims, ISessionStore sessions, TimeProvider time)
{
    public LiveCallScope Open() => new(new LiveCall(SessionIds.New(time), time.GetTimestamp()), calls, claims, sessions);
}
