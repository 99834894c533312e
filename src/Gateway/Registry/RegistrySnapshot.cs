using System.Collections.Immutable;
using Gateway.Core;

namespace Gateway.Registry;

/// <summary>
/// One immutable view of every agent. Replaced on each change so that the hot path reads it with no lock; a call keeps
/// the snapshot it was routed with. A change shares everything it does not touch with the snapshot before it, so an
/// instance heartbeat costs the same with ten agents as with ten thousand.
/// </summary>
public sealed class RegistrySnapshot
{
    private readonly ImmutableDictionary<AgentKey, RegisteredAgent> _agents;

    // Every agent listing each number: one, unless two operators raced on two replicas (the admin API refuses a number
    // another agent holds). The owner is then the agent with the lower revision, on every replica alike, so a number
    // never routes two ways at once.
    private readonly ImmutableDictionary<string, ImmutableList<RegisteredAgent>> _numberClaims;

    // The agents with a kubernetes source: kept apart so that discovery finds them without reading every agent, and
    // the same instance while no such agent changes, so that a heartbeat of another agent leaves discovery idle.
    private readonly ImmutableDictionary<AgentKey, RegisteredAgent> _kubernetesAgents;

    public RegistrySnapshot(IEnumerable<RegisteredAgent> agents, long revision, bool isLoaded = true)
        : this(ImmutableDictionary.CreateRange(agents.Select(a => KeyValuePair.Create(a.Key, a))), numberClaims: null, kubernetesAgents: null, revision, isLoaded)
    {
    }

    private RegistrySnapshot(
        ImmutableDictionary<AgentKey, RegisteredAgent> agents,
        ImmutableDictionary<string, ImmutableList<RegisteredAgent>>? numberClaims,
        ImmutableDictionary<AgentKey, RegisteredAgent>? kubernetesAgents,
        long revision,
        bool isLoaded)
    {
        _agents = agents;
        _numberClaims = numberClaims ?? ClaimNumbers(ImmutableDictionary.Create<string, ImmutableList<RegisteredAgent>>(StringComparer.Ordinal).ToBuilder(), agents.Values).ToImmutable();
        _kubernetesAgents = kubernetesAgents ?? ImmutableDictionary.CreateRange(agents.Where(a => a.Value.Resource.Kubernetes is not null));
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

    /// <summary>The agents with a <c>kubernetes</c> source; the same collection instance until one of them changes.</summary>
    public IReadOnlyDictionary<AgentKey, RegisteredAgent> KubernetesAgents => _kubernetesAgents;

    public bool TryGet(AgentKey key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RegisteredAgent? agent) =>
        _agents.TryGetValue(key, out agent);

    /// <summary>The agent that owns an E.164 number.</summary>
    public bool TryGetByPhoneNumber(string number, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RegisteredAgent? agent)
    {
        agent = _numberClaims.TryGetValue(number, out var claimants) ? claimants.MinBy(a => a.Revision) : null;
        return agent is not null;
    }

    /// <summary>A copy with one agent added, replaced (<paramref name="agent"/> set) or removed (null).</summary>
    public RegistrySnapshot With(AgentKey key, RegisteredAgent? agent, long revision)
    {
        var numbers = _numberClaims.ToBuilder();
        if (_agents.TryGetValue(key, out var previous))
        {
            foreach (var number in previous.Resource.PhoneNumbers)
            {
                if (numbers.TryGetValue(number, out var claimants))
                {
                    var remaining = claimants.RemoveAll(a => a.Key == key);
                    if (remaining.IsEmpty)
                    {
                        numbers.Remove(number);
                    }
                    else
                    {
                        numbers[number] = remaining;
                    }
                }
            }
        }

        var agents = agent is null ? _agents.Remove(key) : _agents.SetItem(key, agent);
        if (agent is not null)
        {
            ClaimNumbers(numbers, [agent]);
        }

        var kubernetesAgents = agent?.Resource.Kubernetes is not null ? _kubernetesAgents.SetItem(key, agent)
            : previous?.Resource.Kubernetes is not null ? _kubernetesAgents.Remove(key)
            : _kubernetesAgents;
        return new RegistrySnapshot(agents, numbers.ToImmutable(), kubernetesAgents, Math.Max(Revision, revision), isLoaded: true);
    }

    /// <summary>
    /// A copy in which agents this snapshot holds are seen as <paramref name="routed"/> says (the same resource and
    /// revision, other <see cref="RegisteredAgent.Instances"/>), wherever the snapshot hands them out.
    /// </summary>
    public RegistrySnapshot WithRouted(IReadOnlyCollection<RegisteredAgent> routed)
    {
        ArgumentNullException.ThrowIfNull(routed);
        if (routed.Count == 0)
        {
            return this;
        }

        var agents = _agents.ToBuilder();
        var numbers = _numberClaims.ToBuilder();
        var kubernetesAgents = _kubernetesAgents.ToBuilder();
        foreach (var agent in routed)
        {
            if (!_agents.TryGetValue(agent.Key, out var held) || !ReferenceEquals(held.Resource, agent.Resource))
            {
                throw new ArgumentException($"Agent {agent.Key} is not in this snapshot as written.", nameof(routed));
            }

            agents[agent.Key] = agent;
            if (agent.Resource.Kubernetes is not null)
            {
                kubernetesAgents[agent.Key] = agent;
            }

            foreach (var number in agent.Resource.PhoneNumbers.Distinct(StringComparer.Ordinal))
            {
                numbers[number] = numbers[number].Replace(held, agent, ReferenceEqualityComparer.Instance);
            }
        }

        return new RegistrySnapshot(agents.ToImmutable(), numbers.ToImmutable(), kubernetesAgents.ToImmutable(), Revision, IsLoaded);
    }

    private static ImmutableDictionary<string, ImmutableList<RegisteredAgent>>.Builder ClaimNumbers(
        ImmutableDictionary<string, ImmutableList<RegisteredAgent>>.Builder numbers, IEnumerable<RegisteredAgent> agents)
    {
        foreach (var agent in agents)
        {
            foreach (var number in agent.Resource.PhoneNumbers.Distinct(StringComparer.Ordinal))
            {
                numbers[number] = numbers.TryGetValue(number, out var claimants) ? claimants.Add(agent) : [agent];
            }
        }

        return numbers;
    }
}
