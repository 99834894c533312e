using System.Net.WebSockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Gateway.Tests.Helm;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Metrics;

/// <summary>The chart's Grafana dashboard queries what the gateway exports: every metric name and every label it selects on.</summary>
public sealed partial class DashboardMetricsTests : GatewayWithBotTest
{
    [Fact]
    public async Task Every_metric_and_label_the_dashboard_queries_is_exported()
    {
        // One call, one refusal and one scrape-visible request: every labelled series exists.
        await using (var live = await TestCalls.ConnectAsync(Gateway, Bot))
        {
            await live.Telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
            await Gateway.AssertCallGoneAsync(Support);
        }

        await UpgradeRequest.SendAsync(Gateway.CallUri("serviceHost=nosuch.acme"));
        var scrape = await MetricsText.ScrapeAsync(Gateway);

        var dashboard = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(HelmChart.ChartDirectory, "dashboards", "gateway.json")))!;
        var expressions = dashboard["panels"]!.AsArray()
            .SelectMany(p => p!["targets"]?.AsArray() ?? [])
            .Select(t => (string?)t!["expr"] ?? string.Empty)
            .ToList();
        var selectors = expressions.SelectMany(e => Selector().Matches(e)).ToList();
        Assert.Contains(selectors, s => s.Groups["name"].Value == "gateway_calls_ended_total");

        foreach (var selector in selectors)
        {
            var name = selector.Groups["name"].Value;
            var series = scrape.Series.Where(s => s.StartsWith(name + "{", StringComparison.Ordinal) || s == name).ToList();
            Assert.True(series.Count > 0, $"the dashboard queries {name}, which the gateway does not export");

            // "job" and "instance" are Prometheus's own target labels.
            foreach (var label in LabelName().Matches(selector.Groups["labels"].Value).Select(m => m.Groups[1].Value).Where(l => l is not ("job" or "instance")))
            {
                Assert.True(series.All(s => s.Contains(label + "=\"", StringComparison.Ordinal)), $"{name} has no label {label}");
            }
        }

        foreach (var grouping in expressions.SelectMany(e => GroupBy().Matches(e)))
        {
            var name = grouping.Groups["name"].Value;
            foreach (var label in grouping.Groups["labels"].Value.Split(',', StringSplitOptions.TrimEntries).Where(l => l is not ("le" or "instance")))
            {
                Assert.True(scrape.Series.Where(s => s.StartsWith(name, StringComparison.Ordinal)).All(s => s.Contains(label + "=\"", StringComparison.Ordinal)), $"{name} has no label {label} to group by");
            }
        }
    }

    [GeneratedRegex(@"(?<name>gateway_[a-z_]+)\{(?<labels>[^}]*)\}")]
    private static partial Regex Selector();

    [GeneratedRegex(@"(\w+)\s*(=~|!~|!=|=)")]
    private static partial Regex LabelName();

    [GeneratedRegex(@"by \((?<labels>[^)]*)\) \((?:rate\()?(?<name>gateway_[a-z_]+)")]
    private static partial Regex GroupBy();
}
