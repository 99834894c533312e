using Gateway.Claims;
using Gateway.Metrics;
using Gateway.Relay;
using Gateway.Sessions;

namespace Gateway.Calls;

/// <summary>A call this replica relays right now: what its lease renewals and the drain need to reach.</summary>
public sealed class LiveCall(string sessionId, InstanceClaim claim)
{
    public string SessionId { get; } = sessionId;

    public InstanceClaim Claim { get; } = claim;

    /// <summary>Set once the start frame is read.</summary>
    public CallSession? Session { get; set; }

    /// <summary>Set once frames flow.</summary>
    public CallRelay? Relay { get; set; }

    /// <summary>Set once frames flow: the call's counters, flushed at every scrape.</summary>
    public RelayedCallMetrics? Metrics { get; set; }
}
