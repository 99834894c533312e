using Gateway.Claims;
using Gateway.Relay;

namespace Gateway.Calls;

/// <summary>A call's bot hop: the connected WebSocket and the instance claim it runs on.</summary>
public sealed record BotLeg(LegSocket Socket, InstanceClaim Claim) : IDisposable
{
    public void Dispose() => Socket.Dispose();
}
