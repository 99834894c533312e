using Gateway.Core;
using Microsoft.AspNetCore.Http;

namespace Gateway.DialOut;

/// <summary><c>POST /v1/orgs/{org}/agents/{agent}/calls</c>: the agent named by the route, the call in the body.</summary>
internal readonly record struct DialOutCall(string Org, string Agent, HttpContext Context)
{
    public bool TryKey(out AgentKey key, out Refusal refusal) => AgentRoute.TryKey(Org, Agent, out key, out refusal);
}
