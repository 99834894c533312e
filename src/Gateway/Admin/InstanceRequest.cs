using Gateway.Core;
using Microsoft.AspNetCore.Http;

namespace Gateway.Admin;

/// <summary>A request about one bot instance, <c>/orgs/{org}/agents/{agent}/instances/{id}</c>.</summary>
internal readonly record struct InstanceRequest(string Org, string Agent, string Id, HttpContext Context)
{
    public bool TryKey(out AgentKey key, out Refusal refusal) => AgentRoute.TryKey(Org, Agent, out key, out refusal);
}
