using System.Net.WebSockets;
using Gateway.Claims;

namespace Gateway.Calls;

/// <summary>A call's bot hop: the connected WebSocket and the instance claim it runs on.</summary>
public sealed record BotLeg(WebSocket Socket, InstanceClaim Claim) : IDisposable
{
    public void Dispose() => Socket.Dispose();
}
