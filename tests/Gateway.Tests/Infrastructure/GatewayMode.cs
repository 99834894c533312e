namespace Gateway.Tests.Infrastructure;

/// <summary>The two registries a gateway can run on; media-path tests run on both.</summary>
public enum GatewayMode
{
    Embedded,
    Redis,
}

public static class GatewayModes
{
    public static TheoryData<GatewayMode> Both => [GatewayMode.Embedded, GatewayMode.Redis];

    public static async Task<GatewayHost> StartAsync(GatewayMode mode, IDictionary<string, string?>? settings = null) =>
        mode == GatewayMode.Redis
            ? await GatewayHost.StartAsync(await TestRedis.ConnectionStringAsync(), settings: settings)
            : await GatewayHost.StartAsync(settings: settings);
}
