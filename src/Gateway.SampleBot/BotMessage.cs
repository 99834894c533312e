using System.Net.WebSockets;

namespace Gateway.SampleBot;

/// <summary>One whole WebSocket message; <see cref="Payload"/> is only valid until the next read.</summary>
internal readonly record struct BotMessage(
    WebSocketMessageType Type,
    ReadOnlyMemory<byte> Payload,
    WebSocketCloseStatus? CloseStatus,
    string? CloseDescription);
