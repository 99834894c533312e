using System.Diagnostics;

namespace Gateway.Tests.Helm;

/// <summary>
/// Runs tests/validate-manifests.mjs, named by <c>GATEWAY_TEST_MANIFEST_VALIDATOR</c> (tests/run.sh sets it from
/// tests/install-manifest-validator.sh), with Node: the Kubernetes and CRD schemas of kubernetes-models, offline. No
/// silent skip: without it these tests fail and say how to get it.
/// </summary>
internal static class ManifestValidator
{
    /// <summary>Validates the given YAML texts, each written to a file named after it; the validator's exit code and output.</summary>
    public static HelmResult Validate(IReadOnlyDictionary<string, string> manifests, params string[] files)
    {
        var directory = Directory.CreateTempSubdirectory("gateway-manifests-");
        try
        {
            var paths = new List<string>();
            foreach (var (name, text) in manifests)
            {
                var path = Path.Combine(directory.FullName, name);
                File.WriteAllText(path, text);
                paths.Add(path);
            }

            return Run([Script(), .. paths, .. files]);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static HelmResult Run(IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = HelmChart.RepositoryRoot,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("validate-manifests.mjs did not finish within 120 s.");
        }

        process.WaitForExit();
        return new HelmResult(process.ExitCode, output.GetAwaiter().GetResult(), error.GetAwaiter().GetResult());
    }

    private static string Script()
    {
        var script = Environment.GetEnvironmentVariable("GATEWAY_TEST_MANIFEST_VALIDATOR");
        if (string.IsNullOrWhiteSpace(script) || !File.Exists(script))
        {
            Assert.Fail(
                "GATEWAY_TEST_MANIFEST_VALIDATOR does not name tests/validate-manifests.mjs. Run the tests through `bash tests/run.sh`, " +
                "or export GATEWAY_TEST_MANIFEST_VALIDATOR=$(bash tests/install-manifest-validator.sh).");
        }

        return script;
    }
}
