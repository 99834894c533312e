using System.Net;
using System.Net.Sockets;
using Gateway.Core;
using Gateway.Relay.EventLoop;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Hosting;

/// <summary>
/// With <see cref="GatewayOptions.MediaPort"/> set, a listener of the gateway's own for Telnyx's media streams, on the
/// same hosts as the public listener: each connection is the gateway's from its first byte (see
/// <see cref="MediaConnection"/>), so a relayed frame is one receive and one send on each side, as through a byte
/// proxy, not a pass through Kestrel's transport pipes. It opens once the web server has started (its request pipeline
/// built, its addresses known) and closes after the drain, taking streams meanwhile as the public listener does.
/// </summary>
public sealed partial class MediaListener(
    IOptions<GatewayOptions> options,
    IServer server,
    IServiceScopeFactory scopes,
    SocketEventLoops loops,
    TimeProvider time,
    ILogger<MediaListener> logger) : IHostedLifecycleService, IDisposable
{
    private readonly List<Socket> _listening = [];
    private readonly List<Task> _accepting = [];
    private RequestDelegate? _pipeline;

    /// <summary>The gateway's request pipeline, as the web server runs it (set while the server builds it).</summary>
    internal void UsePipeline(RequestDelegate pipeline) => _pipeline = pipeline;

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MediaPort is not { } port)
        {
            return Task.CompletedTask;
        }

        var pipeline = _pipeline ?? throw new InvalidOperationException("The media listener has no request pipeline: the web server did not build one.");
        foreach (var address in Hosts(server, options.Value.AdminPort))
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                if (address.Equals(IPAddress.IPv6Any))
                {
                    socket.DualMode = true;
                }

                socket.Bind(new IPEndPoint(address, port));
                socket.Listen(512);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                throw new InvalidOperationException($"Gateway:MediaPort {port}: cannot listen on {address}: {e.Message}", e);
            }

            _listening.Add(socket);
            _accepting.Add(AcceptAsync(socket, pipeline));
            LogListening(logger, address, port);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var socket in _listening)
        {
            socket.Close();
        }

        await Task.WhenAll(_accepting);
    }

    public void Dispose()
    {
        foreach (var socket in _listening)
        {
            socket.Dispose();
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task AcceptAsync(Socket listener, RequestDelegate pipeline)
    {
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await listener.AcceptAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Closed on stop.
                return;
            }

            _ = MediaConnection.ServeAsync(accepted, loops, pipeline, scopes, time, logger);
        }
    }

    /// <summary>The hosts of the public listener's addresses (the admin port's left out), as the addresses to bind.</summary>
    private static HashSet<IPAddress> Hosts(IServer server, int? adminPort)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var hosts = new HashSet<IPAddress>();
        foreach (var address in addresses.Select(BindingAddress.Parse).Where(a => !a.IsUnixPipe && a.Port != adminPort))
        {
            hosts.Add(address.Host switch
            {
                "localhost" => IPAddress.Loopback,
                "*" or "+" => IPAddress.IPv6Any,
                _ => IPAddress.Parse(address.Host.Trim('[', ']')),
            });
        }

        // Both kinds of "any" cover the IPv4 one.
        if (hosts.Contains(IPAddress.IPv6Any))
        {
            hosts.RemoveWhere(h => !h.Equals(IPAddress.IPv6Any));
        }

        return hosts;
    }

    [LoggerMessage(EventId = 13003, Level = LogLevel.Information, Message = "Media streams also on {Address} port {Port}, path /ws/telnyx (Gateway:MediaPort)")]
    private static partial void LogListening(ILogger logger, IPAddress address, int port);
}
