using System.Net.WebSockets;

namespace Gateway.Relay;

/// <summary>
/// Moves a call to another bot when its bot leg drops while the caller is still there: the relay asks when the bot
/// vanishes or closes, holds the caller meanwhile (frames from Telnyx are dropped), and relays to the new leg.
/// </summary>
public interface IBotReplacement
{
    /// <param name="dropped">The bot leg that dropped.</param>
    /// <param name="closeStatus">The bot's close code; null when its connection was lost without a close.</param>
    /// <param name="callerGone">Cancelled when the caller ends the call meanwhile.</param>
    /// <returns>The new bot leg, already holding the call's first frames; null to end the call as without one.</returns>
    Task<LegSocket?> ReplaceAsync(LegSocket dropped, WebSocketCloseStatus? closeStatus, CancellationToken callerGone);
}
