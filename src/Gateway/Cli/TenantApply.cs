using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Admin;
using Gateway.Registry;

namespace Gateway.Cli;

/// <summary>
/// <c>admin apply</c>: brings the gateway's tenants to what a file declares, through the admin API. Per organization
/// named in the file: its Telnyx settings, then its agents, each read first and written over the ETag it was read with
/// (<c>If-None-Match: *</c> to create), so a change made meanwhile by someone else stops the run with a 412 rather
/// than being overwritten. With prune, the organization's agents (and Telnyx settings) the file does not name are
/// deleted first, so that their numbers are free for the agents that follow. Organizations the file does not name are
/// never touched. A dry run reads the same and writes nothing.
/// </summary>
internal sealed class TenantApply(AdminApi api, TextWriter output, bool prune, bool dryRun)
{
    private int _created;
    private int _updated;
    private int _deleted;
    private int _unchanged;

    public async Task RunAsync(IReadOnlyDictionary<string, OrgSpec> orgs, CancellationToken cancellationToken)
    {
        foreach (var (org, spec) in orgs)
        {
            if (prune)
            {
                await PruneAgentsAsync(org, spec, cancellationToken);
            }

            await ApplyTelnyxAsync(org, spec.Telnyx, cancellationToken);
            foreach (var (agent, declared) in spec.Agents)
            {
                await ApplyAgentAsync(org, agent, declared, cancellationToken);
            }
        }

        var verb = dryRun ? "dry run, nothing written: would create" : "applied: created";
        await output.WriteLineAsync($"{verb} {_created}, {(dryRun ? "update" : "updated")} {_updated}, {(dryRun ? "delete" : "deleted")} {_deleted}; {_unchanged} unchanged");
    }

    private async Task ApplyAgentAsync(string org, string agent, AgentSpec spec, CancellationToken cancellationToken)
    {
        var desired = spec.Resource;
        var current = await api.GetAgentAsync(org, agent, cancellationToken);
        var desiredJson = JsonSerializer.SerializeToNode(desired, AdminJson.Registry.AgentResource);
        if (current is null)
        {
            // What the file wrote; every other field takes its documented default.
            await ReportAsync("+", $"{org}/{agent}", JsonDiff.Leaves(spec.Declared));
            _created++;
            if (!dryRun)
            {
                await api.PutAgentAsync(org, agent, desiredJson!.ToJsonString(), etag: null, cancellationToken);
            }

            return;
        }

        // What a PUT would store: the file's agent, with the instances' heartbeat expiries the gateway keeps. Unchanged
        // when that hashes to the ETag the gateway sent, the one comparison the admin API itself makes.
        var stored = current.Json.Deserialize(RegistryJsonContext.Default.AgentResource)!;
        var written = AgentWrites.KeepHeartbeats(desired, stored);
        if (EntityTags.For(written) == current.ETag)
        {
            _unchanged++;
            return;
        }

        await ReportAsync("~", $"{org}/{agent}", JsonDiff.Changes(WithoutExpiries(current.Json), WithoutExpiries(JsonSerializer.SerializeToNode(written, AdminJson.Registry.AgentResource))));
        _updated++;
        if (!dryRun)
        {
            await api.PutAgentAsync(org, agent, desiredJson!.ToJsonString(), current.ETag, cancellationToken);
        }
    }

    private async Task PruneAgentsAsync(string org, OrgSpec spec, CancellationToken cancellationToken)
    {
        var listed = await api.GetJsonAsync($"/admin/v1/orgs/{org}/agents", allowNotFound: true, cancellationToken);
        foreach (var name in (listed?["agents"] as JsonArray ?? []).Select(item => (string?)item?["name"]).OfType<string>().Order(StringComparer.Ordinal))
        {
            if (spec.Agents.ContainsKey(name) || await api.GetAgentAsync(org, name, cancellationToken) is not { } current)
            {
                continue;
            }

            await ReportAsync("-", $"{org}/{name}", []);
            _deleted++;
            if (!dryRun)
            {
                await api.DeleteAgentAsync(org, name, current.ETag, cancellationToken);
            }
        }
    }

    /// <summary>
    /// The secrets are write-only, so only what can be read is compared: the connection id and which secrets are set.
    /// A rotated key with the same shape is not seen: delete the settings' line from the file and apply, or PUT it.
    /// </summary>
    private async Task ApplyTelnyxAsync(string org, TelnyxSpec? desired, CancellationToken cancellationToken)
    {
        var path = $"/admin/v1/orgs/{org}/telnyx";
        var current = await api.GetJsonAsync(path, allowNotFound: true, cancellationToken);
        if (desired is null)
        {
            if (prune && current is not null)
            {
                await ReportAsync("-", $"{org} telnyx", []);
                _deleted++;
                if (!dryRun)
                {
                    await api.DeleteAsync(path, cancellationToken);
                }
            }

            return;
        }

        var wanted = new JsonObject
        {
            ["apiKeySet"] = desired.ApiKey is not null,
            ["webhookPublicKeySet"] = desired.WebhookPublicKey is not null,
            ["connectionId"] = desired.ConnectionId,
        };
        var seen = current is null ? null : new JsonObject
        {
            ["apiKeySet"] = current["apiKeySet"]?.DeepClone(),
            ["webhookPublicKeySet"] = current["webhookPublicKeySet"]?.DeepClone(),
            ["connectionId"] = current["connectionId"]?.DeepClone(),
        };
        if (JsonNode.DeepEquals(seen, wanted))
        {
            _unchanged++;
            return;
        }

        await ReportAsync(current is null ? "+" : "~", $"{org} telnyx", current is null ? JsonDiff.Leaves(wanted) : JsonDiff.Changes(seen, wanted));
        if (current is null)
        {
            _created++;
        }
        else
        {
            _updated++;
        }

        if (!dryRun)
        {
            var body = new JsonObject { ["apiKey"] = desired.ApiKey, ["webhookPublicKey"] = desired.WebhookPublicKey, ["connectionId"] = desired.ConnectionId };
            await api.PutJsonAsync(path, body.ToJsonString(), cancellationToken);
        }
    }

    private async Task ReportAsync(string mark, string what, IReadOnlyList<string> lines)
    {
        await output.WriteLineAsync($"{mark} {what}");
        foreach (var line in lines)
        {
            await output.WriteLineAsync($"    {line}");
        }
    }

    /// <summary>Heartbeat expiries are the gateway's, not the file's: left out of what a diff shows.</summary>
    private static JsonNode? WithoutExpiries(JsonNode? agent)
    {
        foreach (var instance in agent?["instances"] as JsonArray ?? [])
        {
            (instance as JsonObject)?.Remove("expiresAt");
        }

        return agent;
    }
}
