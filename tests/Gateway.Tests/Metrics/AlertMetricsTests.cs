using System.Net.WebSockets;
using System.Text.RegularExpressions;
using Gateway.Tests.Helm;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Metrics;

/// <summary>The chart's PrometheusRule queries what the gateway exports: every metric name and every label it groups by.</summary>
public sealed partial class AlertMetricsTests : GatewayWithBotTest
{
    /// <summary>Exported by EndpointSlice discovery (labels namespace, service), which this gateway runs without.</summary>
    private const string DiscoveryMetric = "gateway_discovery_staleness_seconds";

    [Fact]
    public async Task Every_metric_and_label_the_alerts_query_is_exported()
    {
        // One call and one refusal: every labelled series the alerts read exists.
        await using (var live = await TestCalls.ConnectAsync(Gateway, Bot))
        {
            await live.Telnyx.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", Wait.Token());
            await Gateway.AssertCallGoneAsync(Support);
        }

        await UpgradeRequest.SendAsync(Gateway.CallUri("serviceHost=nosuch.acme"));
        var scrape = await MetricsText.ScrapeAsync(Gateway);

        var expressions = HelmChart.Render("gateway-api-values.yaml").Single("PrometheusRule")["spec"]!["groups"]![0]!["rules"]!.AsArray()
            .Select(r => (string)r!["expr"]!)
            .ToList();
        var names = expressions.SelectMany(e => MetricName().Matches(e)).Select(m => m.Value).Distinct().ToList();
        Assert.Contains(DiscoveryMetric, names);
        foreach (var name in names.Where(n => n != DiscoveryMetric))
        {
            Assert.True(scrape.Series.Any(s => s.StartsWith(name + "{", StringComparison.Ordinal) || s == name), $"an alert queries {name}, which the gateway does not export");
        }

        // "by" labels the gateway must carry; namespace and pod are the scrape target's own.
        var groupings = expressions.SelectMany(e => GroupBy().Matches(e)).ToList();
        Assert.Equal(4, groupings.Count);
        foreach (var grouping in groupings)
        {
            var name = grouping.Groups["name"].Value;
            foreach (var label in grouping.Groups["labels"].Value.Split(',', StringSplitOptions.TrimEntries).Where(l => l is not ("namespace" or "pod")))
            {
                Assert.True(scrape.Series.Where(s => s.StartsWith(name + "{", StringComparison.Ordinal)).All(s => s.Contains(label + "=\"", StringComparison.Ordinal)), $"{name} has no label {label} to group by");
            }
        }
    }

    [GeneratedRegex(@"gateway_[a-z_]+")]
    private static partial Regex MetricName();

    [GeneratedRegex(@"by \((?<labels>[^)]*)\) \((?:rate|increase)?\(?(?<name>gateway_[a-z_]+)")]
    private static partial Regex GroupBy();
}
