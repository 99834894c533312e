using System.Net.WebSockets;
using Microsoft.Extensions.Options;

namespace Gateway.Relay;

/// <summary>The bot hop over a socket the gateway owns (see <see cref="BotHandshake"/>).</summary>
public sealed class BotDialer(IOptions<RelayOptions> options) : IBotDialer
{
    public Task<WebSocket> DialAsync(Uri url, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken) =>
        BotHandshake.ConnectAsync(url, headers, options.Value, cancellationToken);
}
