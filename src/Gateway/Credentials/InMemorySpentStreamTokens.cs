using System.Collections.Concurrent;

namespace Gateway.Credentials;

/// <summary>Spent tokens of a gateway with no Redis; expired entries are swept as new ones arrive.</summary>
public sealed class InMemorySpentStreamTokens(TimeProvider time) : ISpentStreamTokens
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _spent = new(StringComparer.Ordinal);

    public ValueTask<bool> TrySpendAsync(string tokenId, DateTimeOffset expiresAt, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        foreach (var (id, expiry) in _spent)
        {
            if (expiry <= now)
            {
                _spent.TryRemove(id, out _);
            }
        }

        return ValueTask.FromResult(_spent.TryAdd(tokenId, expiresAt));
    }

    /// <summary>The tokens spent here that have not expired yet, with their expiry.</summary>
    public IEnumerable<KeyValuePair<string, DateTimeOffset>> Unexpired()
    {
        var now = time.GetUtcNow();
        return _spent.Where(spent => spent.Value > now);
    }
}
