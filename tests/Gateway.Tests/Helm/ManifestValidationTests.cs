namespace Gateway.Tests.Helm;

/// <summary>
/// Every manifest the chart renders (defaults, each CI values file, the bot-pool example's values) and every example
/// manifest under helm/examples is valid against the Kubernetes and CRD schemas, as .ci/run checks it.
/// </summary>
public sealed class ManifestValidationTests
{
    [Fact]
    public void Every_rendering_and_every_example_manifest_is_valid_against_the_Kubernetes_and_CRD_schemas()
    {
        var rendered = new Dictionary<string, string>(StringComparer.Ordinal) { ["defaults.yaml"] = HelmChart.Render(null).Text };
        foreach (var file in HelmChart.CiValuesFiles)
        {
            rendered[file] = HelmChart.Render(file).Text;
        }

        rendered["bot-pool-gateway-values.yaml"] = HelmChart.Render(null, "--values", BotPoolExample.PathOf(BotPoolExample.GatewayValues)).Text;
        var examples = BotPoolExample.Manifests();
        Assert.Equal(["bot.yaml", "hpa.yaml", "networkpolicy.yaml", "scaledobject.yaml"], examples.Select(Path.GetFileName));

        var result = ManifestValidator.Validate(rendered, [.. examples]);

        Assert.True(result.ExitCode == 0, $"validate-manifests.mjs failed:\n{result.StandardError}\n{result.StandardOutput}");
        var valid = result.StandardOutput.Split('\n').Count(line => line.StartsWith("valid: ", StringComparison.Ordinal));
        Assert.Equal(rendered.Count + examples.Count, valid);

        // The CRDs and RBAC objects are among what was checked, not skipped.
        var kinds = rendered.Values.SelectMany(text => ManifestYaml.ParseDocuments(text)).Select(d => (string?)d?["kind"]).ToHashSet();
        Assert.Superset(new HashSet<string?> { "HTTPRoute", "PrometheusRule", "ServiceMonitor", "Role", "RoleBinding", "ClusterRole", "NetworkPolicy" }, kinds);
    }

    [Fact]
    public void The_validator_refuses_a_schema_violation_an_unknown_kind_and_an_api_group_it_cannot_check()
    {
        var result = ManifestValidator.Validate(new Dictionary<string, string>
        {
            ["bad.yaml"] = """
                apiVersion: v1
                kind: Service
                metadata: {name: voice}
                spec:
                  ports: [{name: http, port: http}]
                ---
                apiVersion: keda.sh/v1alpha1
                kind: ScaledObject
                metadata: {name: bots}
                spec:
                  scaleTargetRef: {name: bot}
                  triggers: [{type: prometheus, metadata: {query: up, threshold: 1}}]
                ---
                apiVersion: apps/v1
                kind: Deploymnet
                metadata: {name: typo}
                ---
                apiVersion: cert-manager.io/v1
                kind: Certificate
                metadata: {name: tls}
                """,
            ["good.yaml"] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fine}\ndata: {a: b}\n",
        });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("spec/ports/0/port must be integer", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("triggers/0/metadata/threshold must be string", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("no schema for apps/v1 Deploymnet", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("no schema for API group \"cert-manager.io\"", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("INVALID: ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("good.yaml (1 objects valid, 0 errors)", result.StandardOutput, StringComparison.Ordinal);
    }
}
