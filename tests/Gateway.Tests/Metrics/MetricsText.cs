using System.Globalization;
using Gateway.Metrics;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Metrics;

/// <summary>One scrape of a gateway's <c>/metrics</c> in Prometheus's text format, read series by series.</summary>
public sealed class MetricsText
{
    private static readonly HttpClient Client = new();

    private readonly Dictionary<string, double> _series;

    public MetricsText(string text)
    {
        Text = text;
        _series = text.Split('\n')
            .Where(line => line.Length > 0 && line[0] != '#')
            .Select(line => (Series: line[..line.LastIndexOf(' ')], Value: line[(line.LastIndexOf(' ') + 1)..]))
            .ToDictionary(s => s.Series, s => double.Parse(s.Value, CultureInfo.InvariantCulture), StringComparer.Ordinal);
    }

    public string Text { get; }

    /// <summary>Every series name with its labels, as written: <c>gateway_calls_active{org="acme",agent="support"}</c>.</summary>
    public IReadOnlyCollection<string> Series => _series.Keys;

    public static async Task<MetricsText> ScrapeAsync(GatewayHost gateway) => await ScrapeAsync(gateway.AdminHttpUri("/metrics"));

    public static async Task<MetricsText> ScrapeAsync(Uri uri)
    {
        using var response = await Client.GetAsync(uri);
        response.EnsureSuccessStatusCode();
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new MetricsText(await response.Content.ReadAsStringAsync());
    }

    /// <summary>A gateway's metrics read from its registry, with no web server: unit tests, or after the server stopped.</summary>
    public static async Task<MetricsText> CollectAsync(GatewayMetrics metrics)
    {
        using var text = new MemoryStream();
        await metrics.Registry.CollectAndExportAsTextAsync(text);
        return new MetricsText(System.Text.Encoding.UTF8.GetString(text.ToArray()));
    }

    /// <summary>The value of one series (exact name and labels), or null when the scrape has no such series.</summary>
    public double? Value(string series) => _series.TryGetValue(series, out var value) ? value : null;

    /// <summary>Scrapes until the series has the value (the relay counts a frame just after sending it on).</summary>
    public static async Task<MetricsText> UntilAsync(GatewayHost gateway, string series, double expected)
    {
        var deadline = DateTime.UtcNow + Wait.Timeout;
        while (true)
        {
            var scrape = await ScrapeAsync(gateway);
            if (scrape.Value(series) == expected || DateTime.UtcNow > deadline)
            {
                Assert.Equal(expected, scrape.Value(series));
                return scrape;
            }

            await Task.Delay(20);
        }
    }
}
