using System.Net.WebSockets;

namespace Gateway.CallSimulator;

/// <summary>One whole WebSocket message as the Telnyx side received it, or the close frame that ended the stream.</summary>
public readonly record struct ReceivedFrame(
    WebSocketMessageType Type,
    byte[] Payload,
    WebSocketCloseStatus? CloseStatus,
    string? CloseDescription)
{
    public bool IsClose => Type == WebSocketMessageType.Close;

    public string Text => System.Text.Encoding.UTF8.GetString(Payload);
}
