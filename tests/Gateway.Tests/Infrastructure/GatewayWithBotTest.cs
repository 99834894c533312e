using Gateway.Core;
using Gateway.Registry;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Per test: a bot server and a gateway on the shared Redis (or embedded) that routes <c>support.acme</c> to it,
/// one instance of capacity 1.
/// </summary>
public abstract class GatewayWithBotTest : IAsyncLifetime
{
    protected static readonly AgentKey Support = new("acme", "support");

    protected BotServer Bot { get; private set; } = null!;

    protected GatewayHost Gateway { get; private set; } = null!;

    /// <summary>Configuration for the gateway beyond the test defaults.</summary>
    protected virtual IDictionary<string, string?>? Settings => null;

    protected virtual GatewayMode Mode => GatewayMode.Redis;

    public virtual async Task InitializeAsync()
    {
        Bot = await BotServer.StartAsync();
        Gateway = await GatewayModes.StartAsync(Mode, Settings);
        await Gateway.PutAgentAsync("acme", "support", ("bot-1", Bot.WsUri, 1));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Bot.DisposeAsync();
    }

    /// <summary>Puts a disabled agent, <c>paused.acme</c>, on the same bot.</summary>
    protected Task PutPausedAgentAsync() => Gateway.PutAgentAsync(new AgentKey("acme", "paused"), new AgentResource
    {
        Enabled = false,
        Instances = [new AgentInstance { Id = "bot-1", Url = Bot.WsUri }],
    });
}
