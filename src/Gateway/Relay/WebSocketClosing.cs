using System.Net.WebSockets;
using Gateway.Core;

namespace Gateway.Relay;

/// <summary>Ending legs: the close frames the relay, the drain and a refused stream send.</summary>
public static class WebSocketClosing
{
    /// <summary>
    /// Sends a close frame if the leg can still take one, within <paramref name="timeout"/>. A leg whose close cannot be
    /// sent is dropped; one that another path is already closing is left to finish its handshake.
    /// </summary>
    public static async Task TryCloseOutputAsync(WebSocket socket, WebSocketCloseStatus status, string? reason, TimeSpan timeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (socket.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        using var deadline = new CancellationTokenSource(timeout, time);
        try
        {
            await socket.CloseOutputAsync(status, status == WebSocketCloseStatus.Empty ? null : CloseCodes.Reason(reason ?? string.Empty), deadline.Token);
        }
        catch (InvalidOperationException)
        {
            // Closing already, from the other direction of the relay.
        }
        catch (Exception e) when (IsConnectionFailure(e))
        {
            socket.Abort();
        }
    }

    /// <summary>Ends a leg that no relay loop is reading: sends the close, reads until the peer answers, or drops it.</summary>
    public static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason, TimeSpan timeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(socket);
        await TryCloseOutputAsync(socket, status, reason, timeout, time);
        using var deadline = new CancellationTokenSource(timeout, time);
        try
        {
            // Read (and discard) what the peer still had in flight until its close frame arrives.
            var scratch = new byte[256];
            while (socket.State == WebSocketState.CloseSent)
            {
                await socket.ReceiveAsync(scratch.AsMemory(), deadline.Token);
            }
        }
        catch (Exception e) when (IsConnectionFailure(e) || e is InvalidOperationException)
        {
            socket.Abort();
        }
    }

    /// <summary>The ways a WebSocket operation fails when its connection is gone or its time ran out.</summary>
    public static bool IsConnectionFailure(Exception e) =>
        e is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException;
}
