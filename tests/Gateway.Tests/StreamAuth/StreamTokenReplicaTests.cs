using System.Net;
using System.Net.WebSockets;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.StreamAuth;

/// <summary>
/// Two replicas on one Redis: a token one of them signed opens a stream on the other (one Data Protection key ring),
/// and a call-bound token is spent for both (one set of spent tokens), so Telnyx's reconnect or an eavesdropper's
/// replay is refused wherever the load balancer sends it.
/// </summary>
public sealed class StreamTokenReplicaTests : IAsyncLifetime
{
    private static readonly AgentKey Support = new("acme", "support");
    private readonly string _prefix = TestRedis.UniquePrefix();
    private BotServer _bot = null!;
    private GatewayHost _first = null!;
    private GatewayHost _second = null!;

    public async Task InitializeAsync()
    {
        var redis = await TestRedis.ConnectionStringAsync();
        _bot = await BotServer.StartAsync();

        // Started together on an empty Redis, as a fresh deployment's replicas are: neither has a key ring yet.
        var starting = new[] { GatewayHost.StartAsync(redis, _prefix), GatewayHost.StartAsync(redis, _prefix) };
        _first = await starting[0];
        _second = await starting[1];
        await StreamTokenIngressTests.PutTokenAgentsAsync(_first, _bot);
        await Wait.UntilAsync(() => _second.Registry.Current.TryGet(Support, out var agent) && agent.Resource.StreamAuth == StreamAuthMode.Token, "the second replica knows the agent");
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _bot.DisposeAsync();
    }

    [Fact]
    public async Task A_token_signed_by_one_replica_opens_the_stream_on_the_other_once()
    {
        var query = await StreamTokenIngressTests.TexmlQueryAsync(_first, "support", "v3:call-1");

        await using var live = await TestCalls.ConnectAsync(_second, _bot, query);

        var (status, _, problem) = await UpgradeRequest.SendAsync(_first.CallUri(query));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("stream_token_replayed", problem.GetProperty("code").GetString());
        Assert.Equal(1, _bot.TotalConnections);
    }

    [Fact]
    public async Task A_replay_on_the_second_replica_is_refused_after_the_first_took_the_call()
    {
        var query = await StreamTokenIngressTests.TexmlQueryAsync(_second, "support", "v3:call-2");
        await using (var live = await TestCalls.ConnectAsync(_first, _bot, query))
        {
            await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hung up");
            await _first.AssertCallGoneAsync(Support);
        }

        // After the call too: Telnyx re-dialling a dropped stream needs a fresh TeXML fetch, not the old URL.
        var (status, _, problem) = await UpgradeRequest.SendAsync(_second.CallUri(query));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("stream_token_replayed", problem.GetProperty("code").GetString());

        // A token minted by a second fetch for the same call (a signed fetch replayed within its tolerance) is spent
        // with the call, on every replica; another call's token still opens a stream.
        var refetched = await StreamTokenIngressTests.TexmlQueryAsync(_first, "support", "v3:call-2");
        (status, _, problem) = await UpgradeRequest.SendAsync(_second.CallUri(refetched));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("stream_token_replayed", problem.GetProperty("code").GetString());

        var otherCall = await StreamTokenIngressTests.TexmlQueryAsync(_first, "support", "v3:call-3");
        await using var again = await TestCalls.ConnectAsync(_second, _bot, otherCall);
        Assert.Equal(2, _bot.TotalConnections);
    }
}
