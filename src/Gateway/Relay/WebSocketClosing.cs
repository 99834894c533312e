using System.Net.WebSockets;

namespace Gateway.Relay;

/// <summary>Ends a leg that no relay loop is reading: sends the close, reads until the peer answers, or drops it.</summary>
public static class WebSocketClosing
{
    public static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason, TimeSpan timeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(socket);
        using var deadline = new CancellationTokenSource(timeout, time);
        try
        {
            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await socket.CloseOutputAsync(status, CloseCodes.Reason(reason), deadline.Token);
            }

            // Read (and discard) what the peer still had in flight until its close frame arrives.
            var scratch = new byte[256];
            while (socket.State == WebSocketState.CloseSent)
            {
                await socket.ReceiveAsync(scratch.AsMemory(), deadline.Token);
            }
        }
        catch (Exception e) when (e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            socket.Abort();
        }
    }
}
