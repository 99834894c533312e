namespace Gateway.Credentials;

/// <summary>The single-use stream tokens already presented, until they would have expired anyway.</summary>
public interface ISpentStreamTokens
{
    /// <returns>True the first time a token id is spent; false when it was spent before.</returns>
    ValueTask<bool> TrySpendAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default);
}
