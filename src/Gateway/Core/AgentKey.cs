namespace Gateway.Core;

/// <summary>Identifies one agent of one organization: <c>{org}/{agent}</c> in the registry, <c>{agent}.{org}</c> in a serviceHost.</summary>
public readonly record struct AgentKey(string Org, string Agent)
{
    /// <summary>Parses a registry key, <c>{org}/{agent}</c>.</summary>
    public static bool TryParse(string? value, out AgentKey key)
    {
        key = default;
        if (value is null)
        {
            return false;
        }

        var slash = value.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return false;
        }

        var org = value[..slash];
        var agent = value[(slash + 1)..];
        if (!ResourceNames.IsValidOrg(org) || !ResourceNames.IsValidAgent(agent))
        {
            return false;
        }

        key = new AgentKey(org, agent);
        return true;
    }

    /// <summary>
    /// Parses Pipecat Cloud's <c>serviceHost</c>, <c>{agent}.{org}</c>. Like a host name it is matched
    /// case-insensitively; agent names hold no dot, so it splits at the first one.
    /// </summary>
    /// <param name="error">Why the value was refused, for the caller's 400 or close reason.</param>
    public static bool TryParseServiceHost(string? serviceHost, out AgentKey key, out string error)
    {
        key = default;
        var lowered = serviceHost?.ToLowerInvariant() ?? string.Empty;
        var dot = lowered.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            error = "serviceHost must be '{agent}.{org}'.";
            return false;
        }

        var agent = lowered[..dot];
        var org = lowered[(dot + 1)..];
        if (!ResourceNames.IsValidAgent(agent))
        {
            error = "serviceHost agent name must be " + ResourceNames.AgentRule;
            return false;
        }

        if (!ResourceNames.IsValidOrg(org))
        {
            error = "serviceHost organization name must be " + ResourceNames.OrgRule;
            return false;
        }

        key = new AgentKey(org, agent);
        error = string.Empty;
        return true;
    }

    /// <summary>The Pipecat Cloud form, <c>{agent}.{org}</c>.</summary>
    public string ServiceHost => $"{Agent}.{Org}";

    public override string ToString() => $"{Org}/{Agent}";
}
