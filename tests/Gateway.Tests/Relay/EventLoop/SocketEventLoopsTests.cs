using System.Net;
using System.Net.Sockets;
using Gateway.Relay;
using Gateway.Relay.EventLoop;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Relay.EventLoop;

/// <summary><c>Relay:EventLoops</c>: how many loops run, and which streams a connection gets with them and without.</summary>
public sealed class SocketEventLoopsTests
{
    [Theory]
    [InlineData(null, -1)]
    [InlineData(0, 0)]
    [InlineData(3, 3)]
    public void Unset_means_one_loop_per_processor_and_zero_none(int? configured, int expected)
    {
        using var loops = new SocketEventLoops(Options.Create(new RelayOptions { EventLoops = configured }), NullLogger<SocketEventLoops>.Instance);

        Assert.Equal(expected < 0 ? Environment.ProcessorCount : expected, loops.Count);
    }

    [Theory]
    [InlineData(TestEventLoops.OwnLoops, typeof(EventLoopStream))]
    [InlineData(TestEventLoops.DotnetEngine, typeof(NetworkStream))]
    public async Task A_connection_is_on_a_loop_or_on_dotnets_engine(string loops, Type stream)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(2);
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;

        await using var connected = await TestEventLoops.Named(loops).ConnectAsync("localhost", port, Wait.Token());
        await using var accepted = TestEventLoops.Named(loops).Open(await listener.AcceptAsync(Wait.Token()));

        Assert.IsType(stream, connected);
        Assert.IsType(stream, accepted);
        await connected.WriteAsync("hello"u8.ToArray(), Wait.Token());
        var buffer = new byte[5];
        await accepted.ReadExactlyAsync(buffer, Wait.Token());
        Assert.Equal("hello"u8.ToArray(), buffer);
    }
}
