using Gateway.Core;


namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Per test: a bot server and two gateway replicas on one Redis key space, started together on it as a fresh
/// deployment's replicas are (neither finds a key ring or a registry the other made first).
/// </summary>
public abstract class TwoReplicasTest : IAsyncLifetime
{
    protected static readonly AgentKey Support = new("acme", "support");

    protected BotServer Bot { get; private set; } = null!;

    protected GatewayHost First { get; private set; } = null!;

    protected GatewayHost Second { get; private set; } = null!;

    /// <summary>The Redis both replicas share, and their key prefix: for a test that starts a third.</summary>
    protected string Redis { get; private set; } = null!;

    protected string Prefix { get; private set; } = null!;

    public virtual async Task InitializeAsync()
    {
        var redis = Redis = await TestRedis.ConnectionStringAsync();
        var prefix = Prefix = TestRedis.UniquePrefix();
        Bot = await BotServer.StartAsync();
        var starting = new[] { GatewayHost.StartAsync(redis, prefix), GatewayHost.StartAsync(redis, prefix) };
        First = await starting[0];
        Second = await starting[1];
    }

    public async Task DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
        await Bot.DisposeAsync();
    }
}
