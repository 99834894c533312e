using System.Net;
using System.Net.Sockets;
using Gateway.Hosting;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The media listener's request lifetime: it tells of a caller gone before the 101, and its abort drops the
/// connection, also once the request has ended and its call, handed off, aborts through it.
/// </summary>
public sealed class MediaLifetimeTests
{
    [Theory]
    [InlineData(TestEventLoops.OwnLoops)]
    [InlineData(TestEventLoops.DotnetEngine)]
    public async Task A_peer_that_hangs_up_before_the_101_aborts_the_request(string loops)
    {
        var (client, server) = await ConnectedPairAsync();
        await using var connection = TestEventLoops.Named(loops).Open(server);
        using var lifetime = new MediaLifetime(connection);

        client.Dispose();

        await Wait.UntilAsync(() => lifetime.RequestAborted.IsCancellationRequested, "the request is aborted");
    }

    [Theory]
    [InlineData(TestEventLoops.OwnLoops)]
    [InlineData(TestEventLoops.DotnetEngine)]
    public async Task A_peer_gone_before_the_lifetime_began_aborts_the_request_as_it_begins(string loops)
    {
        var (client, server) = await ConnectedPairAsync();
        await using var connection = TestEventLoops.Named(loops).Open(server);

        // Gone while its head was being read: the only word of it came before anything watched.
        client.Dispose();
        await Task.Delay(100);
        using var lifetime = new MediaLifetime(connection);

        await Wait.UntilAsync(() => lifetime.RequestAborted.IsCancellationRequested, "the request is aborted");
    }

    [Theory]
    [InlineData(TestEventLoops.OwnLoops)]
    [InlineData(TestEventLoops.DotnetEngine)]
    public async Task Aborting_once_the_request_has_ended_still_drops_the_connection(string loops)
    {
        var (client, server) = await ConnectedPairAsync();
        using (client)
        {
            var lifetime = new MediaLifetime(TestEventLoops.Named(loops).Open(server));
            lifetime.StopWatching();
            lifetime.Dispose();

            lifetime.Abort();

            // Closed with no linger: the peer reads a reset, or an end if the reset lost the race to its read.
            try
            {
                Assert.Equal(0, await client.ReceiveAsync(new byte[1], SocketFlags.None, Wait.Token()));
            }
            catch (SocketException e)
            {
                Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
            }
        }
    }

    private static async Task<(Socket Client, Socket Server)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, Wait.Token());
        var server = await listener.AcceptAsync(Wait.Token());
        return (client, server);
    }
}
