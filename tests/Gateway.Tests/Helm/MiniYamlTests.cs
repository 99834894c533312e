using System.Text.Json.Nodes;

namespace Gateway.Tests.Helm;

/// <summary>The chart tests read helm's output with <see cref="MiniYaml"/>; these pin what it reads and refuses.</summary>
public sealed class MiniYamlTests
{
    [Fact]
    public void Reads_nested_mappings_sequences_and_typed_scalars()
    {
        var node = MiniYaml.Parse("""
            # Source: gateway/templates/deployment.yaml
            apiVersion: apps/v1
            spec:
              replicas: 3
              ratio: 0.5
              enabled: true
              nothing: null
              empty: {}
              none: []
              version: "0.1.0"
              plainVersion: 0.1.0
              quoted: 'it''s'
              escaped: "a\tb \"c\" \u00e9"
              containers:
                - name: gateway # a trailing comment
                  ports:
                    - name: http
                      containerPort: 8080
                  args:
                    - --one
                    - "two: 2"
            """)!;

        var spec = node["spec"]!;
        Assert.Equal("apps/v1", (string?)node["apiVersion"]);
        Assert.Equal(3, (int)spec["replicas"]!);
        Assert.Equal(0.5, (double)spec["ratio"]!);
        Assert.True((bool)spec["enabled"]!);
        Assert.True(spec.AsObject().ContainsKey("nothing"));
        Assert.Null(spec["nothing"]);
        Assert.Empty(spec["empty"]!.AsObject());
        Assert.Empty(spec["none"]!.AsArray());
        Assert.Equal("0.1.0", (string?)spec["version"]);
        Assert.Equal("0.1.0", (string?)spec["plainVersion"]);
        Assert.Equal("it's", (string?)spec["quoted"]);
        Assert.Equal("a\tb \"c\" \u00e9", (string?)spec["escaped"]);
        var container = spec["containers"]![0]!;
        Assert.Equal("gateway", (string?)container["name"]);
        Assert.Equal(8080, (int)container["ports"]![0]!["containerPort"]!);
        Assert.Equal(["--one", "two: 2"], container["args"]!.AsArray().Select(a => (string?)a));
    }

    [Fact]
    public void Reads_sequences_written_at_their_keys_indentation()
    {
        var node = MiniYaml.Parse("""
            capabilities:
              drop:
              - ALL
              - NET_RAW
              after: x
            policies:
            - periodSeconds: 60
              type: Pods
            - type: Percent
            last: 1
            """)!;

        Assert.Equal(["ALL", "NET_RAW"], node["capabilities"]!["drop"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("x", (string?)node["capabilities"]!["after"]);
        Assert.Equal(2, node["policies"]!.AsArray().Count);
        Assert.Equal("Pods", (string?)node["policies"]![0]!["type"]);
        Assert.Equal("Percent", (string?)node["policies"]![1]!["type"]);
        Assert.Equal(1, (int)node["last"]!);
    }

    [Fact]
    public void Reads_literal_block_scalars_with_each_chomping()
    {
        var node = MiniYaml.Parse("""
            data:
              strip: |-
                {
                  "agents": {}
                }
              clip: |
                line one
                # not a comment

                line three
              keep: |+
                kept


            next: 1
            """)!;

        Assert.Equal("{\n  \"agents\": {}\n}", (string?)node["data"]!["strip"]);
        Assert.Equal("line one\n# not a comment\n\nline three\n", (string?)node["data"]!["clip"]);
        Assert.Equal("kept\n\n\n", (string?)node["data"]!["keep"]);
        Assert.Equal(1, (int)node["next"]!);
    }

    [Fact]
    public void Folds_long_scalars_that_go_wraps_over_several_lines()
    {
        var node = MiniYaml.Parse("""
            env:
              - name: X
                value: word word word
                  word word
              - name: Y
                value: "first \
                  \ second
                  third"
            annotation: one
              two
            """)!;

        Assert.Equal("word word word word word", (string?)node["env"]![0]!["value"]);
        Assert.Equal("first  second third", (string?)node["env"]![1]!["value"]);
        Assert.Equal("one two", (string?)node["annotation"]);
    }

    [Fact]
    public void Splits_documents_and_reports_empty_ones()
    {
        var documents = MiniYaml.ParseDocuments("""
            ---
            # Source: a.yaml
            kind: A
            ---
            # Source: empty.yaml
            ---
            kind: B
            """);

        Assert.Equal(3, documents.Count);
        Assert.Equal("A", (string?)documents[0]!["kind"]);
        Assert.Null(documents[1]);
        Assert.Equal("B", (string?)documents[2]!["kind"]);
    }

    [Fact]
    public void Reads_json_flow_collections()
    {
        var node = MiniYaml.Parse("""
            list: ["a", 1]
            map: {"k": true}
            """)!;

        Assert.Equal("a", (string?)node["list"]![0]);
        Assert.True((bool)node["map"]!["k"]!);
    }

    [Theory]
    [InlineData("a: &anchor 1\nb: *anchor\n")]
    [InlineData("a: !!str 1\n")]
    [InlineData("a: >\n  folded\n")]
    [InlineData("a: [unquoted, flow]\n")]
    [InlineData("a: 1\na: 2\n")]
    [InlineData("a:\n  b: 1\n   c: 2\n")]
    [InlineData("a: 1\n\tb: 2\n")]
    [InlineData("a: \"unterminated\n")]
    [InlineData("just a scalar\nkey: value\n")]
    public void Refuses_what_it_does_not_understand(string yaml)
    {
        Assert.Throws<FormatException>(() => MiniYaml.Parse(yaml));
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
