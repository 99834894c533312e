using Gateway.Core;


namespace Gateway.Registry;

/// <summary>An agent as the hot path sees it: its resource as written, and the revision that produced it.</summary>
public sealed record RegisteredAgent(AgentKey Key, AgentResource Resource, long Revision)
{
    /// <summary>
    /// The instances routing offers new calls: the resource's own, in their order, then (for an agent with a
    /// <c>kubernetes</c> source on a gateway that watches it) the Service's ready pods, which never lapse. Claims name
    /// instances by id, so a live call whose pod left this list keeps its claim until it ends.
    /// </summary>
    public IReadOnlyList<AgentInstance> Instances { get; init; } = Resource.Instances;

    /// <summary>How many of <see cref="Instances"/> were discovered rather than written: the last ones.</summary>
    public int DiscoveredCount => Instances.Count - Resource.Instances.Count;
}
