using System.Net;
using System.Net.WebSockets;

namespace Gateway.CallSimulator;

/// <summary>What happened on one simulated call.</summary>
public sealed record CallReport(
    TelnyxCallInfo Call,
    TimeSpan? SetupTime,
    int FramesSent,
    IReadOnlyDictionary<string, int> FramesReceived,
    IReadOnlyList<TimeSpan> RoundTrips,
    WebSocketCloseStatus? CloseStatus,
    string? CloseDescription,
    HttpStatusCode? RefusedStatus,
    string? Error)
{
    public bool Succeeded => Error is null;

    public int TotalFramesReceived => FramesReceived.Values.Sum();
}
