using Gateway.Registry;

namespace Gateway.Claims;

/// <summary>The in-process twin of the Redis claim script's choice: same rule, same tie-break.</summary>
internal static class InstanceSelector
{
    /// <summary>The instance with the lowest used/capacity ratio that has room; the first listed wins a tie.</summary>
    public static AgentInstance? PickLeastLoaded(
        IReadOnlyList<AgentInstance> instances, IReadOnlySet<string> excluded, Func<string, int> used)
    {
        AgentInstance? best = null;
        var bestLoad = double.MaxValue;
        foreach (var instance in instances)
        {
            if (excluded.Contains(instance.Id))
            {
                continue;
            }

            var count = used(instance.Id);
            if (count >= instance.Capacity)
            {
                continue;
            }

            var load = (double)count / instance.Capacity;
            if (load < bestLoad)
            {
                best = instance;
                bestLoad = load;
            }
        }

        return best;
    }
}
