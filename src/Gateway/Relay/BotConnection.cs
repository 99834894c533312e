using System.Net.WebSockets;
using Gateway.Claims;
using Gateway.Core;

namespace Gateway.Relay;

/// <summary>The bot hop of a call, or why there is none.</summary>
public sealed class BotConnection
{
    private BotConnection(WebSocket? socket, InstanceClaim? claim, Refusal? rejection)
    {
        Socket = socket;
        Claim = claim;
        Rejection = rejection;
    }

    public WebSocket? Socket { get; }

    public InstanceClaim? Claim { get; }

    public Refusal? Rejection { get; }

    public static BotConnection Connected(WebSocket socket, InstanceClaim claim) => new(socket, claim, null);

    public static BotConnection Refused(Refusal rejection) => new(null, null, rejection);
}
