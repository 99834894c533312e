using Gateway.Core;
using Gateway.Registry;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Two gateway replicas on one Redis deployment and key space, sharing one agent (<c>acme/support</c>) whose single
/// instance is a test bot: the setting of the fault tests, which place calls on both and break Redis under them.
/// </summary>
public sealed class ReplicaPair : IAsyncDisposable
{
    public static readonly AgentKey Support = new("acme", "support");

    private ReplicaPair(GatewayHost first, GatewayHost second)
    {
        First = first;
        Second = second;
    }

    public GatewayHost First { get; }

    public GatewayHost Second { get; }

    /// <summary>Starts both, puts the agent on the first and waits until the second has it.</summary>
    public static async Task<ReplicaPair> StartAsync(
        string redis, string prefix, BotServer bot, int capacity, int maxConcurrentCalls = 100, IDictionary<string, string?>? settings = null)
    {
        var first = await GatewayHost.StartAsync(redis, prefix, settings);
        var second = await GatewayHost.StartAsync(redis, prefix, settings);
        await first.PutAgentAsync(Support, new AgentResource
        {
            MaxConcurrentCalls = maxConcurrentCalls,
            Instances = [new AgentInstance { Id = "bot-1", Url = bot.WsUri, Capacity = capacity }],
        });
        await Wait.UntilAsync(() => second.Registry.Current.TryGet(Support, out _), "the agent reaches the second replica");
        return new ReplicaPair(first, second);
    }

    /// <summary>Places <paramref name="count"/> calls, alternating between the replicas, the first on <see cref="First"/>.</summary>
    public async Task<List<LiveTestCall>> ConnectAsync(BotServer bot, int count)
    {
        var calls = new List<LiveTestCall>(count);
        for (var i = 0; i < count; i++)
        {
            calls.Add(await TestCalls.ConnectAsync(i % 2 == 0 ? First : Second, bot));
        }

        return calls;
    }

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
    }
}
