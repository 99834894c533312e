using Gateway.Core;
using Microsoft.AspNetCore.Http;

namespace Gateway.Admin;

/// <summary>A request about one agent, <c>/orgs/{org}/agents/{agent}</c>; writes carry the agent in the body.</summary>
internal readonly record struct AgentRequest(string Org, string Agent, HttpContext Context)
{
    public bool TryKey(out AgentKey key, out Refusal refusal) => AgentRoute.TryKey(Org, Agent, out key, out refusal);
}
