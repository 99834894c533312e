using Gateway.Ingress;
using Gateway.Relay;

namespace Gateway.Calls;

/// <summary>
/// A caller as the relay takes it over: the accepted WebSocket and Telnyx's handshake, and nothing of the upgrade
/// request.
/// </summary>
public sealed record AcceptedCaller(LegSocket Socket, CallerHandshake Handshake) : IDisposable
{
    public void Dispose()
    {
        Handshake.Dispose();
        Socket.Dispose();
    }
}
