namespace Gateway.Core;

/// <summary>
/// The agent an <c>/orgs/{org}/agents/{agent}/…</c> route names, the admin API's and dial-out's alike. The organization
/// was checked before (<c>OrgAccessFilter</c>); the agent's name is checked here, so that a name no agent can have is
/// a 400 naming the field rather than a 404.
/// </summary>
public static class AgentRoute
{
    public static bool TryKey(string org, string agent, out AgentKey key, out Refusal refusal)
    {
        key = default;
        refusal = null!;
        if (!ResourceNames.IsValidAgent(agent))
        {
            refusal = Refusals.Validation("agent", "must be " + ResourceNames.AgentRule);
            return false;
        }

        key = new AgentKey(org, agent);
        return true;
    }

    public static Refusal NotFound(AgentKey key) => Refusals.NotFound($"No agent '{key.Agent}' in organization '{key.Org}'.");
}
