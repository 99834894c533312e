using Gateway.Core;


namespace Gateway.Registry;

/// <summary>
/// An agent as the hot path sees it: its resource as written, the revision that produced it, and which hold clip it
/// has. The clip is not part of the resource (a <c>PUT</c> of the agent neither sets nor clears it): it is uploaded on
/// its own route and kept across every write of the agent.
/// </summary>
public sealed record RegisteredAgent(AgentKey Key, AgentResource Resource, long Revision)
{
    /// <summary>
    /// The instances routing offers new calls: the resource's own, in their order, then (for an agent with a
    /// <c>kubernetes</c> source on a gateway that watches it) the Service's ready pods, which never lapse. Claims name
    /// instances by id, so a live call whose pod left this list keeps its claim until it ends.
    /// </summary>
    public IReadOnlyList<AgentInstance> Instances { get; init; } = Resource.Instances;

    /// <summary>The agent's uploaded hold clip, by content; null: none.</summary>
    public HoldClip? HoldClip { get; init; }

    /// <summary>How many of <see cref="Instances"/> were discovered rather than written: the last ones.</summary>
    public int DiscoveredCount => Instances.Count - Resource.Instances.Count;
}
