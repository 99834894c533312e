using System.Collections.Concurrent;

namespace Gateway.Calls;

/// <summary>The calls this replica holds a claim for, from the claim to the release.</summary>
public sealed class LiveCalls
{
    private readonly ConcurrentDictionary<string, LiveCall> _calls = new(StringComparer.Ordinal);

    public int Count => _calls.Count;

    public void Add(LiveCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        _calls[call.SessionId] = call;
    }

    public void Remove(string sessionId) => _calls.TryRemove(sessionId, out _);

    public IReadOnlyCollection<LiveCall> Snapshot() => [.. _calls.Values];
}
