using System.Text.Json;
using System.Text.Json.Serialization;

namespace Gateway.Registry;

/// <summary>The registry's JSON: the seed file, the Redis documents and (later) the admin API share these shapes.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    NumberHandling = JsonNumberHandling.Strict,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(AgentResource))]
[JsonSerializable(typeof(RegistrySeedDocument))]
[JsonSerializable(typeof(StoredAgent))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;

/// <summary>The seed file: <c>{ "agents": { "acme/support": { …agent resource… } } }</c>.</summary>
internal sealed record RegistrySeedDocument
{
    public Dictionary<string, AgentResource> Agents { get; init; } = [];
}

/// <summary>
/// An agent as kept in Redis: the resource, the registry revision that wrote it, and its hold clip's reference (left
/// out when it has none, so such an agent is stored as before; the clip's audio is a key of its own beside it).
/// </summary>
internal sealed record StoredAgent(
    long Revision,
    AgentResource Resource,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] HoldClip? HoldClip = null);
