using System.Collections.Frozen;

namespace Gateway.Registry;

/// <summary>
/// One immutable view of every agent. Replaced whole on each change so that the hot path reads it
/// with no lock; a call keeps the snapshot it was routed with.
/// </summary>
public sealed class RegistrySnapshot
{
    private readonly FrozenDictionary<AgentKey, RegisteredAgent> _agents;
    private readonly FrozenDictionary<string, RegisteredAgent> _byPhoneNumber;

    public RegistrySnapshot(IEnumerable<RegisteredAgent> agents, long revision, bool isLoaded = true)
    {
        _agents = agents.ToFrozenDictionary(a => a.Key);

        // The admin API refuses a number another agent holds. Should two operators race on two replicas, the agent
        // with the lower revision wins on every replica alike, so a number never routes two ways at once.
        _byPhoneNumber = _agents.Values
            .SelectMany(agent => agent.Resource.PhoneNumbers.Select(number => (number, agent)))
            .GroupBy(pair => pair.number, StringComparer.Ordinal)
            .ToFrozenDictionary(group => group.Key, group => group.MinBy(pair => pair.agent.Revision).agent, StringComparer.Ordinal);
        Revision = revision;
        IsLoaded = isLoaded;
    }

    /// <summary>Before the first successful load: nothing routes, readiness fails.</summary>
    public static RegistrySnapshot NotLoaded { get; } = new([], 0, isLoaded: false);

    public bool IsLoaded { get; }

    /// <summary>The highest registry revision this snapshot reflects.</summary>
    public long Revision { get; }

    public int Count => _agents.Count;

    public IEnumerable<RegisteredAgent> Agents => _agents.Values;

    public bool TryGet(AgentKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RegisteredAgent? agent) =>
        _agents.TryGetValue(key, out agent);

    /// <summary>The agent that owns an E.164 number.</summary>
    public bool TryGetByPhoneNumber(string number, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RegisteredAgent? agent) =>
        _byPhoneNumber.TryGetValue(number, out agent);

    /// <summary>A copy with one agent added, replaced (<paramref name="agent"/> set) or removed (null).</summary>
    public RegistrySnapshot With(AgentKey key, RegisteredAgent? agent, long revision)
    {
        var agents = _agents.Values.Where(a => a.Key != key);
        if (agent is not null)
        {
            agents = agents.Append(agent);
        }

        return new RegistrySnapshot(agents, Math.Max(Revision, revision));
    }
}
