namespace Gateway.Relay;

/// <summary>Opens a bot hop: a WebSocket client connection to a bot instance's URL, with the gateway's headers.</summary>
public interface IBotDialer
{
    /// <exception cref="IOException">The instance refused or dropped the connection, or did not upgrade it.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The instance could not be reached.</exception>
    /// <exception cref="System.Security.Authentication.AuthenticationException">A <c>wss://</c> instance failed TLS.</exception>
    /// <exception cref="OperationCanceledException">The attempt's time ran out or the call gave up.</exception>
    Task<LegSocket> DialAsync(Uri url, IReadOnlyList<KeyValuePair<string, string>> headers, CancellationToken cancellationToken);
}
