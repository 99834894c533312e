using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Helm;

/// <summary>
/// Runs the helm binary named by <c>GATEWAY_TEST_HELM</c> (tests/run.sh sets it from tests/install-helm.sh) against
/// the repository's chart at <c>helm/gateway</c>. There is no silent skip: without helm these tests fail and say how
/// to get it.
/// </summary>
internal static class HelmChart
{
    public const string ReleaseName = "voice";
    public const string Namespace = "telephony";

    /// <summary>The CI values files under helm/gateway/ci, by file name.</summary>
    public static readonly string[] CiValuesFiles =
        ["minimal-values.yaml", "production-values.yaml", "existing-secrets-values.yaml", "ingress-values.yaml", "single-port-values.yaml", "discovery-values.yaml", "gateway-api-values.yaml"];

    private static readonly ConcurrentDictionary<string, Lazy<HelmResult>> Cache = new();

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string ChartDirectory => Path.Combine(RepositoryRoot, "helm", "gateway");

    public static string CiValuesPath(string file) => Path.Combine(ChartDirectory, "ci", file);

    /// <summary>
    /// <c>helm template</c> with the given values file (null: chart defaults) and <c>--set</c> style arguments;
    /// results are cached per argument list, since many tests look at the same rendering.
    /// </summary>
    public static HelmResult Template(string? valuesFile, params string[] extraArguments)
    {
        var arguments = new List<string> { "template", ReleaseName, ChartDirectory, "--namespace", Namespace };
        if (valuesFile is not null)
        {
            arguments.AddRange(["--values", CiValuesPath(valuesFile)]);
        }

        arguments.AddRange(extraArguments);
        var key = string.Join('\u001f', arguments);
        return Cache.GetOrAdd(key, _ => new Lazy<HelmResult>(() => Run(arguments))).Value;
    }

    /// <summary>Renders and parses; fails the test with helm's own message when rendering fails.</summary>
    public static Manifests Render(string? valuesFile, params string[] extraArguments)
    {
        var result = Template(valuesFile, extraArguments);
        Assert.True(result.ExitCode == 0,
            $"helm template ({valuesFile ?? "default values"} {string.Join(' ', extraArguments)}) failed with exit code {result.ExitCode}:\n{result.StandardError}");
        return new Manifests(result.StandardOutput, ManifestYaml.ParseDocuments(result.StandardOutput));
    }

    public static HelmResult Run(IReadOnlyList<string> arguments)
    {
        var helm = HelmBinary();
        var start = new ProcessStartInfo(helm)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Keep helm away from any user configuration or cache that could change what it renders.
        var isolated = Path.Combine(Path.GetTempPath(), "gateway-tests-helm");
        start.Environment["HELM_CONFIG_HOME"] = Path.Combine(isolated, "config");
        start.Environment["HELM_CACHE_HOME"] = Path.Combine(isolated, "cache");
        start.Environment["HELM_DATA_HOME"] = Path.Combine(isolated, "data");

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {helm}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"helm {string.Join(' ', arguments)} did not finish within 60 s.");
        }

        process.WaitForExit();
        return new HelmResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    private static string HelmBinary()
    {
        var helm = Environment.GetEnvironmentVariable("GATEWAY_TEST_HELM");
        if (string.IsNullOrWhiteSpace(helm))
        {
            Assert.Fail(
                "GATEWAY_TEST_HELM is not set. The Helm chart tests need helm v4: run them through `bash tests/run.sh` " +
                "(it installs helm with tests/install-helm.sh), or export GATEWAY_TEST_HELM=$(bash tests/install-helm.sh).");
        }

        if (!File.Exists(helm))
        {
            Assert.Fail($"GATEWAY_TEST_HELM points at '{helm}', which does not exist. Run `bash tests/install-helm.sh`.");
        }

        return helm;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "helm", "gateway", "Chart.yaml")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No helm/gateway/Chart.yaml above {AppContext.BaseDirectory}.");
    }
}

internal sealed record HelmResult(int ExitCode, string StandardOutput, string StandardError);

/// <summary>The documents of one rendering, parsed.</summary>
internal sealed class Manifests(string text, IReadOnlyList<JsonNode?> documents)
{
    public string Text { get; } = text;

    /// <summary>Every document, including empty ones (null).</summary>
    public IReadOnlyList<JsonNode?> Documents { get; } = documents;

    public IEnumerable<JsonObject> Resources => Documents.OfType<JsonObject>();

    public IEnumerable<JsonObject> OfKind(string kind) =>
        Resources.Where(r => (string?)r["kind"] == kind);

    public JsonObject Single(string kind)
    {
        var matches = OfKind(kind).ToList();
        Assert.True(matches.Count == 1, $"Expected exactly one {kind}, found {matches.Count}.");
        return matches[0];
    }

    public JsonObject Deployment => Single("Deployment");

    public JsonObject PodSpec => Deployment["spec"]!["template"]!["spec"]!.AsObject();

    public JsonObject Container => PodSpec["containers"]!.AsArray().Single(c => (string?)c!["name"] == "gateway")!.AsObject();

    /// <summary>The gateway container's env entry of that name.</summary>
    public JsonObject Env(string name)
    {
        var matches = Container["env"]!.AsArray().Where(e => (string?)e!["name"] == name).ToList();
        Assert.True(matches.Count == 1, $"Expected one env entry {name}, found {matches.Count}.");
        return matches[0]!.AsObject();
    }

    public bool HasEnv(string name) => Container["env"]!.AsArray().Any(e => (string?)e!["name"] == name);
}
