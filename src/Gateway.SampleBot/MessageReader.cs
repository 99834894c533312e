using System.Net.WebSockets;

namespace Gateway.SampleBot;

/// <summary>Reads whole messages into one buffer that grows as needed, up to a limit.</summary>
internal sealed class MessageReader(WebSocket socket, int maxMessageSize)
{
    private byte[] _buffer = new byte[4096];

    /// <exception cref="InvalidDataException">A message is larger than the limit.</exception>
    public async Task<BotMessage> ReceiveAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        while (true)
        {
            if (count == _buffer.Length)
            {
                if (count >= maxMessageSize)
                {
                    throw new InvalidDataException($"A message exceeded {maxMessageSize} bytes.");
                }

                Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxMessageSize));
            }

            var result = await socket.ReceiveAsync(_buffer.AsMemory(count), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return new BotMessage(WebSocketMessageType.Close, default, socket.CloseStatus, socket.CloseStatusDescription);
            }

            count += result.Count;
            if (result.EndOfMessage)
            {
                return new BotMessage(result.MessageType, _buffer.AsMemory(0, count), null, null);
            }
        }
    }
}
