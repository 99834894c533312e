using System.Net;
using System.Net.Sockets;
using Gateway.Relay.EventLoop;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The two ends of one TCP connection on loopback, as streams over their sockets: what a leg of the gateway reads and
/// writes in production (the media listener's connections, a <c>ws://</c> bot hop), as opposed to the in-memory pairs.
/// </summary>
public static class LoopbackConnection
{
    /// <param name="loops">Where the gateway's end waits: its own event loops, or .NET's socket engine.</param>
    /// <param name="socketBufferBytes">See <see cref="Sockets"/>.</param>
    public static (Stream Gateway, Stream Peer) Streams(SocketEventLoops loops, int? socketBufferBytes = null)
    {
        var (gateway, peer) = Sockets(socketBufferBytes);
        return (loops.Open(gateway), new NetworkStream(peer, ownsSocket: true));
    }

    /// <summary>The two ends as sockets, the gateway's accepted, the peer's connected with no delay.</summary>
    /// <param name="socketBufferBytes">
    /// When given, the kernel buffers of both ends (send and receive) are set this small, so a peer that stops reading
    /// holds up its writer within a few KiB instead of megabytes.
    /// </param>
    public static (Socket Gateway, Socket Peer) Sockets(int? socketBufferBytes = null)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (socketBufferBytes is { } small)
        {
            // Before the handshake, so the windows both ends advertise are small from the start (the accepted socket
            // takes the listener's).
            (listener.SendBufferSize, listener.ReceiveBufferSize) = (small, small);
            (peer.SendBufferSize, peer.ReceiveBufferSize) = (small, small);
        }

        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        peer.Connect(listener.LocalEndPoint!);
        return (listener.Accept(), peer);
    }
}
