namespace Gateway.Tests.Infrastructure;

/// <summary><see cref="GatewayModes.StartAsync"/> with a clock the test moves.</summary>
public static class ClockedGateways
{
    public static async Task<GatewayHost> StartAsync(GatewayMode mode, TimeProvider time, IDictionary<string, string?>? settings = null, string? keyPrefix = null) =>
        mode == GatewayMode.Redis
            ? await GatewayHost.StartAsync(await TestRedis.ConnectionStringAsync(), keyPrefix, settings, time)
            : await GatewayHost.StartAsync(keyPrefix: keyPrefix, settings: settings, time: time);
}
