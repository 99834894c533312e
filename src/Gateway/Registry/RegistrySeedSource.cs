using Gateway.Core;
using Microsoft.Extensions.Logging;

namespace Gateway.Registry;

/// <summary>The seed agents read once at start-up, handed to whichever registry the gateway runs on.</summary>
public sealed partial class RegistrySeedSource(IReadOnlyDictionary<AgentKey, AgentResource> agents)
{
    public IReadOnlyDictionary<AgentKey, AgentResource> Agents { get; } = agents;

    /// <param name="kubernetesAccess">Whether this gateway can watch Kubernetes: a seed agent with a <c>kubernetes</c> source needs it.</param>
    public static RegistrySeedSource Load(string? seedFile, string contentRoot, bool kubernetesAccess, ILogger logger)
    {
        var path = RegistrySeed.Resolve(seedFile, contentRoot);
        if (path is null)
        {
            return new RegistrySeedSource(new Dictionary<AgentKey, AgentResource>());
        }

        if (!File.Exists(path))
        {
            // Not fatal: agents may come from Redis alone. But an operator who meant to seed should see why nothing was.
            LogSeedMissing(logger, path);
            return new RegistrySeedSource(new Dictionary<AgentKey, AgentResource>());
        }

        var agents = RegistrySeed.Load(path, kubernetesAccess);
        LogSeedRead(logger, agents.Count, path);
        foreach (var key in agents.Where(a => a.Value.Continuity?.Hold == HoldAudioKind.Clip).Select(a => a.Key))
        {
            LogSeedHoldClip(logger, key);
        }

        return new RegistrySeedSource(agents);
    }

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "Registry seed file {SeedFile} does not exist; no agents seeded")]
    private static partial void LogSeedMissing(ILogger logger, string seedFile);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "Read {AgentCount} agents from registry seed {SeedFile}")]
    private static partial void LogSeedRead(ILogger logger, int agentCount, string seedFile);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning,
        Message = "Seed agent {AgentKey} holds calls with a clip, which a seed cannot carry: until one is uploaded (PUT …/hold-audio), its calls hold in silence")]
    private static partial void LogSeedHoldClip(ILogger logger, AgentKey agentKey);
}
