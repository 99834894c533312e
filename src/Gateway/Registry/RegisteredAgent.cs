using Gateway.Core;


namespace Gateway.Registry;

/// <summary>An agent as the hot path sees it: its resource and the revision that produced it.</summary>
public sealed record RegisteredAgent(AgentKey Key, AgentResource Resource, long Revision);
