using System.Text.Json.Nodes;

namespace Gateway.Tests.Helm;

/// <summary>The Grafana dashboard shipped at helm/gateway/dashboards/gateway.json.</summary>
public sealed class DashboardTests
{
    /// <summary>The gateway's metric names (fixed; the dashboard must chart each of them).</summary>
    private static readonly string[] GatewayMetrics =
    [
        "gateway_calls_active", "gateway_calls_started_total", "gateway_calls_ended_total",
        "gateway_call_setup_duration_seconds_bucket", "gateway_call_setup_stage_seconds_bucket", "gateway_relayed_frames_total", "gateway_relayed_bytes_total",
        "gateway_registry_revision", "gateway_registry_last_sync_timestamp_seconds", "gateway_registry_staleness_seconds",
        "gateway_redis_errors_total", "gateway_claims_held", "gateway_draining", "process_cpu_seconds_total",
        "process_working_set_bytes",
    ];

    private static JsonNode Dashboard() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(HelmChart.ChartDirectory, "dashboards", "gateway.json")))!;

    [Fact]
    public void Dashboard_selects_its_prometheus_data_source_through_a_variable()
    {
        var dashboard = Dashboard();
        var variables = dashboard["templating"]!["list"]!.AsArray();
        var datasource = variables.Single(v => (string?)v!["name"] == "datasource")!;
        Assert.Equal("datasource", (string?)datasource["type"]);
        Assert.Equal("prometheus", (string?)datasource["query"]);

        var panels = dashboard["panels"]!.AsArray().Where(p => (string?)p!["type"] != "row").ToList();
        Assert.NotEmpty(panels);
        Assert.All(panels, panel =>
        {
            Assert.Equal("${datasource}", (string?)panel!["datasource"]!["uid"]);
            var targets = panel["targets"]!.AsArray();
            Assert.NotEmpty(targets);
            Assert.All(targets, t => Assert.Equal("${datasource}", (string?)t!["datasource"]!["uid"]));
        });
    }

    [Fact]
    public void Dashboard_charts_every_gateway_metric()
    {
        var expressions = Dashboard()["panels"]!.AsArray()
            .SelectMany(p => p!["targets"]?.AsArray() ?? [])
            .Select(t => (string?)t!["expr"] ?? string.Empty)
            .ToList();
        var missing = GatewayMetrics.Where(m => !expressions.Any(e => e.Contains(m, StringComparison.Ordinal))).ToList();
        Assert.True(missing.Count == 0, "metrics not charted: " + string.Join(", ", missing));

        // Percentiles come from the setup histogram; outcomes and directions are broken out.
        Assert.Contains(expressions, e => e.StartsWith("histogram_quantile(0.99,", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.StartsWith("histogram_quantile(0.5,", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("by (outcome)", StringComparison.Ordinal));
        Assert.Contains(expressions, e => e.Contains("gateway_relayed_bytes_total", StringComparison.Ordinal) && e.Contains("by (direction)", StringComparison.Ordinal));
    }

    [Fact]
    public void Panel_ids_are_unique_and_panels_do_not_overlap()
    {
        var panels = Dashboard()["panels"]!.AsArray().Select(p => p!).ToList();
        Assert.Equal(panels.Count, panels.Select(p => (int)p["id"]!).Distinct().Count());
        var cells = new HashSet<(int X, int Y)>();
        foreach (var panel in panels)
        {
            var grid = panel["gridPos"]!;
            for (var x = (int)grid["x"]!; x < (int)grid["x"]! + (int)grid["w"]!; x++)
            {
                for (var y = (int)grid["y"]!; y < (int)grid["y"]! + (int)grid["h"]!; y++)
                {
                    Assert.True(cells.Add((x, y)), $"panel '{panel["title"]}' overlaps another at ({x}, {y})");
                }
            }

            Assert.True((int)grid["x"]! + (int)grid["w"]! <= 24, $"panel '{panel["title"]}' is wider than the grid");
        }
    }
}
