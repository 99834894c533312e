using Gateway.Relay.EventLoop;

namespace Gateway.Relay;

/// <summary>The bot hop over a socket the gateway owns (see <see cref="BotHandshake"/>).</summary>
public sealed class BotDialer(SocketEventLoops loops) : IBotDialer
{
    public Task<LegSocket> DialAsync(Uri url, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken) =>
        BotHandshake.ConnectAsync(loops, url, headers, cancellationToken);
}
