using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Ingress;

/// <summary>A remote address opening streams faster than Ingress:UpgradesPerSecondPerAddress is refused with 429.</summary>
public sealed class UpgradeRateLimitTests
{
    [Fact]
    public async Task Upgrades_over_the_burst_are_refused_with_429_rate_limited_and_counted()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Ingress:UpgradesPerSecondPerAddress"] = "1",
            ["Ingress:UpgradeBurstPerAddress"] = "3",
        });

        var statuses = new List<HttpStatusCode>();
        var codes = new List<string?>();
        for (var i = 0; i < 10; i++)
        {
            var (status, _, problem) = await UpgradeRequest.SendAsync(gateway.CallUri("serviceHost=sales.acme"));
            statuses.Add(status);
            codes.Add(problem.GetProperty("code").GetString());
        }

        // The burst passes on to routing (no such agent); what follows within the second is refused before it.
        Assert.Equal(["unknown_agent", "unknown_agent", "unknown_agent"], codes.Take(3));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses.Skip(3));
        Assert.All(codes.Where((_, i) => statuses[i] == HttpStatusCode.TooManyRequests), code => Assert.Equal("rate_limited", code));
        Assert.Contains(gateway.Logs.Lines, line => line.Contains("[1014] Stream upgrade from 127.0.0.1 refused (rate_limited)", StringComparison.Ordinal));

        using var http = new HttpClient();
        var metrics = await http.GetStringAsync(gateway.HttpUri("/metrics"));
        Assert.Contains("gateway_calls_ended_total{org=\"\",agent=\"\",outcome=\"rejected_rate_limited\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_limit_of_zero_turns_it_off()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Ingress:UpgradesPerSecondPerAddress"] = "0",
            ["Ingress:UpgradeBurstPerAddress"] = "1",
        });

        for (var i = 0; i < 5; i++)
        {
            var (status, _, problem) = await UpgradeRequest.SendAsync(gateway.CallUri("serviceHost=sales.acme"));
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.Equal("unknown_agent", problem.GetProperty("code").GetString());
        }
    }
}
