using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// The embedded gateway's start says once, at Information, that its Data Protection keys are ephemeral, and Data
/// Protection itself neither warns nor picks a key repository of its own (under the user's profile, or memory).
/// </summary>
public sealed class EphemeralKeyRingTests
{
    [Fact]
    public async Task An_embedded_start_logs_one_information_line_about_the_ephemeral_key_ring_and_no_data_protection_warning()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var lines = gateway.Logs.Lines;

        var notice = Assert.Single(lines, line => line.Contains("[15001]", StringComparison.Ordinal));
        Assert.StartsWith("Information Gateway.Hosting.EphemeralKeyRing.Notice[15001] Data Protection keys are ephemeral (embedded registry)", notice, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, line => line.Contains("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal)
            && (line.StartsWith("Warning ", StringComparison.Ordinal) || line.StartsWith("Error ", StringComparison.Ordinal)
                || line.Contains("key repository", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_redis_backed_start_does_not_say_its_keys_are_ephemeral()
    {
        await using var gateway = await GatewayHost.StartAsync(await TestRedis.ConnectionStringAsync());

        Assert.DoesNotContain(gateway.Logs.Lines, line => line.Contains("[15001]", StringComparison.Ordinal));
    }
}
