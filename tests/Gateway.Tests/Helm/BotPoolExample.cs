using System.Text.Json.Nodes;

namespace Gateway.Tests.Helm;

/// <summary>The files of helm/examples/bot-pool, parsed.</summary>
internal static class BotPoolExample
{
    public const string GatewayValues = "gateway-values.yaml";

    public static string Directory => Path.Combine(HelmChart.RepositoryRoot, "helm", "examples", "bot-pool");

    public static string PathOf(string file) => Path.Combine(Directory, file);

    /// <summary>The Kubernetes manifests (every *.yaml but the *-values.yaml chart values), by path.</summary>
    public static List<string> Manifests() =>
        [.. System.IO.Directory.GetFiles(Directory, "*.yaml").Where(f => !f.EndsWith("-values.yaml", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    public static List<JsonObject> Objects(string file) =>
        [.. ManifestYaml.ParseDocuments(File.ReadAllText(PathOf(file))).OfType<JsonObject>()];

    public static JsonObject Single(string file, string kind) => Objects(file).Single(o => (string?)o["kind"] == kind);

    public static JsonObject Yaml(string file) => ManifestYaml.Parse(File.ReadAllText(PathOf(file)))!.AsObject();

    public static JsonObject Agent() => JsonNode.Parse(File.ReadAllText(PathOf("agent.json")))!.AsObject();
}
