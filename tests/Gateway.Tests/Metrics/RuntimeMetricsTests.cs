using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Metrics;

/// <summary>The runtime figures the gateway adds to prometheus-net's: the GC's pauses and the bytes allocated.</summary>
public sealed class RuntimeMetricsTests
{
    [Fact]
    public async Task Gc_pauses_and_allocated_bytes_are_read_at_each_scrape()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var before = await MetricsText.ScrapeAsync(gateway);

        // The figures are the process's (the tests' too): 16 MiB allocated and a blocking collection move both.
        var garbage = new byte[16][];
        for (var i = 0; i < garbage.Length; i++)
        {
            garbage[i] = new byte[1024 * 1024];
        }

        GC.KeepAlive(garbage);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true);
        var after = await MetricsText.ScrapeAsync(gateway);

        Assert.InRange(after.Value("dotnet_gc_allocated_bytes_total")!.Value - before.Value("dotnet_gc_allocated_bytes_total")!.Value, 16 * 1024 * 1024, double.MaxValue);
        Assert.True(after.Value("dotnet_gc_pause_seconds_total") > before.Value("dotnet_gc_pause_seconds_total"));
    }
}
