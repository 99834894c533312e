using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Core;
using Gateway.Registry;
using YamlDotNet.RepresentationModel;

namespace Gateway.Cli;

/// <summary>An organization as a tenants file declares it.</summary>
internal sealed record OrgSpec(TelnyxSpec? Telnyx, IReadOnlyDictionary<string, AgentSpec> Agents);

/// <summary>An agent as the file declares it: what the gateway will store, and the fields the file wrote.</summary>
internal sealed record AgentSpec(AgentResource Resource, JsonNode Declared);

/// <summary>An organization's Telnyx settings as the file declares them (<c>PUT …/telnyx</c>'s body).</summary>
internal sealed record TelnyxSpec(string? ApiKey, string? WebhookPublicKey, string? ConnectionId);

/// <summary>
/// A tenants file (JSON or YAML, one shape): <c>orgs</c> → each organization's <c>telnyx</c> settings and
/// <c>agents</c>, each agent exactly as the admin API takes it. <c>${NAME}</c> in a string is the environment variable
/// NAME, so secrets stay out of the file. Everything is checked before anything is sent: the agents with the gateway's
/// own contract and validator, so a file that loads is one the gateway accepts (but for what only it knows: numbers
/// held by agents not in the file, Kubernetes access).
/// </summary>
internal static partial class TenantsFile
{
    /// <summary>The file's organizations, by name; throws <see cref="InvalidTenantsFileException"/> naming every problem.</summary>
    public static IReadOnlyDictionary<string, OrgSpec> Load(string path, Func<string, string?> environment)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidTenantsFileException(path, [$"cannot be read: {e.Message}"]);
        }

        JsonNode? root;
        try
        {
            root = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? JsonNode.Parse(text) : FromYaml(text);
        }
        catch (Exception e) when (e is JsonException or YamlDotNet.Core.YamlException)
        {
            throw new InvalidTenantsFileException(path, [$"does not parse: {e.Message}"]);
        }

        var problems = new List<string>();
        var orgs = Read(root, environment, problems);
        return problems.Count > 0 ? throw new InvalidTenantsFileException(path, problems) : orgs;
    }

    private static SortedDictionary<string, OrgSpec> Read(JsonNode? root, Func<string, string?> environment, List<string> problems)
    {
        var orgs = new SortedDictionary<string, OrgSpec>(StringComparer.Ordinal);
        if (root is not JsonObject document || document.Any(p => p.Key != "orgs") || document["orgs"] is not JsonObject orgNodes)
        {
            problems.Add("must be an object with one field, orgs: an object of organizations");
            return orgs;
        }

        foreach (var (org, orgNode) in orgNodes)
        {
            if (!ResourceNames.IsValidOrg(org))
            {
                problems.Add($"orgs.{org}: the organization's name must be {ResourceNames.OrgRule}");
                continue;
            }

            if (orgNode is not JsonObject orgObject || orgObject.Any(p => p.Key is not ("telnyx" or "agents")))
            {
                problems.Add($"orgs.{org}: must be an object with telnyx and agents, both optional");
                continue;
            }

            var telnyx = orgObject["telnyx"] is { } telnyxNode ? ReadTelnyx(org, Expand(telnyxNode, environment, $"orgs.{org}.telnyx", problems), problems) : null;
            var agents = new SortedDictionary<string, AgentSpec>(StringComparer.Ordinal);
            if (orgObject["agents"] is { } agentsNode && agentsNode is not JsonObject)
            {
                problems.Add($"orgs.{org}.agents: must be an object of agents by name");
            }

            foreach (var (agent, agentNode) in orgObject["agents"] as JsonObject ?? [])
            {
                var where = $"orgs.{org}.agents.{agent}";
                if (!ResourceNames.IsValidAgent(agent))
                {
                    problems.Add($"{where}: the agent's name must be {ResourceNames.AgentRule}");
                    continue;
                }

                var declared = Expand(agentNode, environment, where, problems);
                if (ReadAgent(where, declared, problems) is { } resource)
                {
                    agents[agent] = new AgentSpec(resource, declared!);
                }
            }

            orgs[org] = new OrgSpec(telnyx, agents);
        }

        return orgs;
    }

    private static AgentResource? ReadAgent(string where, JsonNode? node, List<string> problems)
    {
        if (node is not JsonObject)
        {
            problems.Add($"{where}: must be an agent object, as PUT /admin/v1/orgs/{{org}}/agents/{{agent}} takes it");
            return null;
        }

        AgentResource? resource;
        try
        {
            resource = node.Deserialize(RegistryJsonContext.Default.AgentResource);
        }
        catch (JsonException e)
        {
            // The serializer's words name .NET types; an unknown field is the one a file's author can act on plainly.
            var message = e.Message.Contains("could not be mapped", StringComparison.Ordinal)
                ? "is not a field of an agent (see the README's Registry and Per-tenant TeXML sections)"
                : e.Message.Split(" Path:")[0];
            problems.Add($"{where}{(e.Path is null or "$" ? string.Empty : e.Path[1..])}: {message}");
            return null;
        }

        // Kubernetes access is the gateway's to judge: it refuses a kubernetes source it cannot watch.
        var errors = AgentResourceValidator.Validate(resource!, kubernetesAccess: true);
        foreach (var (field, messages) in errors.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            problems.AddRange(messages.Select(message => $"{where}.{field}: {message}"));
        }

        return errors.Count == 0 ? resource : null;
    }

    private static TelnyxSpec? ReadTelnyx(string org, JsonNode? node, List<string> problems)
    {
        string? Text(string name) => node?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        if (node is not JsonObject settings
            || settings.Any(p => p.Key is not ("apiKey" or "webhookPublicKey" or "connectionId") || p.Value is not null && Text(p.Key) is null))
        {
            problems.Add($"orgs.{org}.telnyx: must be an object of strings: apiKey, webhookPublicKey, connectionId");
            return null;
        }

        return new TelnyxSpec(Text("apiKey"), Text("webhookPublicKey"), Text("connectionId"));
    }

    /// <summary>Replaces <c>${NAME}</c> in every string with the environment variable; a variable that is unset is a problem.</summary>
    private static JsonNode? Expand(JsonNode? node, Func<string, string?> environment, string where, List<string> problems)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj.ToList())
                {
                    obj[name] = Expand(value?.DeepClone(), environment, $"{where}.{name}", problems);
                }

                return obj;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    array[i] = Expand(array[i]?.DeepClone(), environment, $"{where}[{i}]", problems);
                }

                return array;
            case JsonValue value when value.TryGetValue<string>(out var text) && text.Contains("${", StringComparison.Ordinal):
                return JsonValue.Create(Variable().Replace(text, match =>
                {
                    var name = match.Groups[1].Value;
                    if (environment(name) is { } found)
                    {
                        return found;
                    }

                    problems.Add($"{where}: environment variable {name} is not set");
                    return string.Empty;
                }));
            default:
                return node;
        }
    }

    /// <summary>
    /// YAML to JSON with YAML's own typing: a plain scalar that reads as a number, true/false or null is one, a quoted
    /// one is a string (<c>connectionId: "1684641123236054244"</c> stays a string, <c>capacity: 2</c> is a number).
    /// </summary>
    private static JsonNode? FromYaml(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode);
    }

    private static JsonNode? Convert(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(pair =>
            KeyValuePair.Create(((YamlScalarNode)pair.Key).Value ?? string.Empty, Convert(pair.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(Convert)]),
        YamlScalarNode scalar when scalar.Style is YamlDotNet.Core.ScalarStyle.Plain => Plain(scalar.Value),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value ?? string.Empty),
        _ => throw new JsonException($"unsupported YAML node at {node.Start}"),
    };

    private static JsonValue? Plain(string? value) => value switch
    {
        null or "" or "~" or "null" => null,
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole) => JsonValue.Create(whole),
        _ when double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
        _ => JsonValue.Create(value),
    };

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")]
    private static partial Regex Variable();
}

/// <summary>A tenants file that cannot be applied, with every problem found in it.</summary>
internal sealed class InvalidTenantsFileException(string path, IReadOnlyList<string> problems)
    : Exception($"{path}: {problems.Count} problem(s)")
{
    public IReadOnlyList<string> Problems { get; } = problems;

    public string Describe() => string.Join('\n', Problems.Select(problem => $"error: {path}: {problem}"));
}
