using System.Text.Json;
using Gateway.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Registry;

/// <summary>What the registry writes into a Redis that lacks it: the seed, and after a loss, what this replica knows.</summary>
public sealed partial class RedisAgentRegistry
{
    /// <summary>Writes seed agents that Redis does not hold yet; an agent already there is never overwritten.</summary>
    private async Task SeedAsync()
    {
        var database = _redis.Database;
        foreach (var (key, resource) in _seed)
        {
            if (await database.KeyExistsAsync(_keys.Agent(key)))
            {
                continue;
            }

            var revision = await NextRevisionAsync(database);
            var json = JsonSerializer.SerializeToUtf8Bytes(new StoredAgent(revision, resource), RegistryJsonContext.Default.StoredAgent);
            if (await database.StringSetAsync(_keys.Agent(key), json, when: When.NotExists))
            {
                await database.SetAddAsync(_keys.AgentIndex, key.ToString());
                await database.PublishAsync(_keys.RegistryChanges, key.ToString());
                LogSeeded(_logger, key, revision);
            }
        }
    }


    /// <summary>
    /// Redis's revision counter is behind what this replica has seen: it restarted without persistence, was flushed,
    /// or failed over to a replica that missed the last writes. The agents this replica knows are written back (never
    /// over a newer revision another replica may have restored first) and the counter moved past them, so routing
    /// keeps working on every replica and revisions keep rising.
    /// </summary>
    private async Task RestoreAsync(IDatabase database, RegistrySnapshot known, long redisRevision)
    {
        LogRestoring(_logger, redisRevision, known.Revision, known.Count);
        var batch = database.CreateBatch();
        var writes = new List<Task>(known.Count * 2);
        foreach (var agent in known.Agents)
        {
            // A hold clip's reference is written back with its agent; its audio is not known here, and if Redis lost
            // it too, calls hold in silence (and say so in the log) until it is uploaded again.
            var json = JsonSerializer.SerializeToUtf8Bytes(new StoredAgent(agent.Revision, agent.Resource, agent.HoldClip), RegistryJsonContext.Default.StoredAgent);
            writes.Add(batch.ScriptEvaluateAsync(RegistryScripts.PutIfNewer, [_keys.Agent(agent.Key)], [agent.Revision, json]));
            writes.Add(batch.SetAddAsync(_keys.AgentIndex, agent.Key.ToString()));
        }

        writes.Add(batch.ScriptEvaluateAsync(RegistryScripts.RaiseRevision, [_keys.RegistryRevision], [known.Revision]));
        batch.Execute();
        await Task.WhenAll(writes);
        _redis.ReportDataLoss();
    }

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Seeded agent {AgentKey} into Redis (revision {Revision})")]
    private static partial void LogSeeded(ILogger logger, AgentKey agentKey, long revision);

    [LoggerMessage(EventId = 2007, Level = LogLevel.Warning,
        Message = "Redis lost registry writes (its revision is {RedisRevision}, this replica has seen {KnownRevision}): writing back the {AgentCount} agents this replica knows")]
    private static partial void LogRestoring(ILogger logger, long redisRevision, long knownRevision, int agentCount);
}
