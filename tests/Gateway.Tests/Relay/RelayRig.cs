using System.Net.WebSockets;
using System.Text;
using Gateway.Core;
using Gateway.Relay;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Relay;

/// <summary>
/// A <see cref="CallRelay"/> between two legs, running: each test writes raw bytes on a peer's stream, or uses the
/// framework's own WebSocket over that stream (an independent RFC 6455 implementation) to read and answer. The legs'
/// connections are in-memory unless the test gives its own (<see cref="LoopbackConnection"/>: real sockets).
/// </summary>
internal sealed class RelayRig : IAsyncDisposable
{
    public RelayRig(RelayOptions options, TimeProvider? time = null, Func<(Stream Gateway, Stream Peer)>? connect = null)
    {
        connect ??= InMemoryWebSockets.Streams;
        var (callerLeg, telnyx) = connect();
        var (botLeg, bot) = connect();
        (Telnyx, Bot) = (telnyx, bot);
        TelnyxSocket = WebSocket.CreateFromStream(telnyx, new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = TimeSpan.Zero });
        BotSocket = WebSocket.CreateFromStream(bot, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = TimeSpan.Zero });
        Relay = new CallRelay(new LegSocket(callerLeg, LegRole.Server), new LegSocket(botLeg, LegRole.Client), options, time ?? TimeProvider.System);
        Relaying = Relay.RunAsync();
    }

    /// <summary>Telnyx's end of the caller leg's connection.</summary>
    public Stream Telnyx { get; }

    /// <summary>The bot's end of the bot hop's connection.</summary>
    public Stream Bot { get; }

    public WebSocket TelnyxSocket { get; }

    public WebSocket BotSocket { get; }

    public CallRelay Relay { get; }

    public Task<RelayOutcome> Relaying { get; }

    public static async Task<byte[]> ReadExactlyAsync(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer, Wait.Token());
        return buffer;
    }

    public static async Task<string> ReceiveTextAsync(WebSocket socket)
    {
        var buffer = new byte[4096];
        var count = 0;
        ValueWebSocketReceiveResult received;
        do
        {
            received = await socket.ReceiveAsync(buffer.AsMemory(count), Wait.Token());
            count += received.Count;
        }
        while (!received.EndOfMessage);

        return Encoding.UTF8.GetString(buffer, 0, count);
    }

    public async ValueTask DisposeAsync()
    {
        TelnyxSocket.Abort();
        BotSocket.Abort();
        await Telnyx.DisposeAsync();
        await Bot.DisposeAsync();
        await Relaying.WaitAsync(Wait.Timeout).ContinueWith(_ => { }, TaskScheduler.Default);
    }
}
