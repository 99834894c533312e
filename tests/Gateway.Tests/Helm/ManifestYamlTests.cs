using System.Text.Json.Nodes;

namespace Gateway.Tests.Helm;

/// <summary>
/// Pins how <see cref="ManifestYaml"/> turns YamlDotNet's nodes into JSON nodes: which scalars become numbers, booleans
/// and nulls, and how helm's document separators map to entries. Parsing YAML itself is YamlDotNet's business.
/// </summary>
public sealed class ManifestYamlTests
{
    [Fact]
    public void Types_plain_scalars_by_the_core_schema_and_keeps_quoted_and_block_scalars_as_strings()
    {
        var node = ManifestYaml.Parse("""
            # Source: gateway/templates/deployment.yaml
            replicas: 3
            negative: -7
            ratio: 0.5
            enabled: true
            disabled: False
            nothing: null
            tilde: ~
            empty:
            version: "0.1.0"
            plainVersion: 0.1.0
            port: "8080"
            single: '1'
            quotedTrue: "true"
            quotedNull: "null"
            hex: 0x1F
            infinity: .inf
            tagged: !!str 12
            literal: |-
              42
            folded: >-
              true
            name: gateway # a trailing comment
            """);

        var expected = """
            {"replicas":3,"negative":-7,"ratio":0.5,"enabled":true,"disabled":false,"nothing":null,"tilde":null,
            "empty":null,"version":"0.1.0","plainVersion":"0.1.0","port":"8080","single":"1","quotedTrue":"true",
            "quotedNull":"null","hex":"0x1F","infinity":".inf","tagged":"12","literal":"42","folded":"true",
            "name":"gateway"}
            """.ReplaceLineEndings(string.Empty);
        Assert.Equal(expected, node!.ToJsonString());
    }

    [Fact]
    public void Numbers_read_back_as_int_long_and_double()
    {
        var node = ManifestYaml.Parse("small: 8080\nlarge: 9000000000\nsigned: +5\nleadingZero: 010\nexponent: 1e3\n")!;

        Assert.Equal(8080, (int)node["small"]!);
        Assert.Equal(8080L, (long)node["small"]!);
        Assert.Equal(8080.0, (double)node["small"]!);
        Assert.Equal(9_000_000_000L, (long)node["large"]!);
        Assert.Equal(5, (int)node["signed"]!);
        Assert.Equal(10, (int)node["leadingZero"]!);
        Assert.Equal(1000.0, (double)node["exponent"]!);
    }

    [Fact]
    public void Nests_mappings_and_sequences_including_go_style_sequences_and_flow_collections()
    {
        var node = ManifestYaml.Parse("""
            capabilities:
              drop:
              - ALL
              - NET_RAW
            ports:
              - name: http
                containerPort: 8080
            args: ["--one", "two: 2", 3]
            labels: {app: gateway, "tier": web}
            none: []
            nothing: {}
            """);

        var expected = """
            {"capabilities":{"drop":["ALL","NET_RAW"]},"ports":[{"name":"http","containerPort":8080}],
            "args":["--one","two: 2",3],"labels":{"app":"gateway","tier":"web"},"none":[],"nothing":{}}
            """.ReplaceLineEndings(string.Empty);
        Assert.Equal(expected, node!.ToJsonString());
    }

    [Fact]
    public void Block_scalars_keep_their_text_for_the_config_maps_that_carry_json()
    {
        var node = ManifestYaml.Parse("""
            data:
              registry.json: |-
                {
                  "agents": {}
                }
              clip: |
                line one
                # not a comment
            next: 1
            """)!;

        Assert.Equal("{\n  \"agents\": {}\n}", (string?)node["data"]!["registry.json"]);
        Assert.Equal("line one\n# not a comment\n", (string?)node["data"]!["clip"]);
    }

    [Fact]
    public void Each_separator_starts_a_document_and_an_empty_one_is_null()
    {
        var documents = ManifestYaml.ParseDocuments("""
            ---
            # Source: gateway/templates/a.yaml
            kind: A
            ---
            # Source: gateway/templates/empty.yaml
            ---
            kind: B
            """);

        Assert.Equal(["{\"kind\":\"A\"}", null, "{\"kind\":\"B\"}"], documents.Select(d => d?.ToJsonString()));
    }

    [Fact]
    public void A_file_with_only_comments_is_null_and_one_with_two_documents_is_refused()
    {
        Assert.Null(ManifestYaml.Parse("# nothing here\n"));
        Assert.Throws<FormatException>(() => ManifestYaml.Parse("a: 1\n---\nb: 2\n"));
    }

    [Theory]
    [InlineData("a: !!int 1\n")]
    [InlineData("? [a, b]\n: c\n")]
    public void Refuses_what_has_no_faithful_json_form(string yaml)
    {
        Assert.Throws<FormatException>(() => ManifestYaml.Parse(yaml));
    }

    [Fact]
    public void Reads_a_whole_rendering_of_the_chart()
    {
        var manifests = HelmChart.Render("production-values.yaml");
        var kinds = manifests.Resources.Select(r => (string?)r["kind"]).Order().ToList();
        Assert.Equal(
            ["ConfigMap", "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget", "Secret", "Service", "ServiceAccount", "ServiceMonitor"],
            kinds);
        Assert.Equal(manifests.Text.Split('\n').Count(line => line == "---"), manifests.Documents.Count);
        Assert.IsType<JsonObject>(manifests.Deployment["spec"]);
    }
}
