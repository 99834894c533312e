namespace Gateway.Relay;

/// <summary>The bot hop over a socket the gateway owns (see <see cref="BotHandshake"/>).</summary>
public sealed class BotDialer : IBotDialer
{
    public Task<LegSocket> DialAsync(Uri url, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken) =>
        BotHandshake.ConnectAsync(url, headers, cancellationToken);
}
