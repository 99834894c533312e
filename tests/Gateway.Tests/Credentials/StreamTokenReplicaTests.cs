using System.Net;
using System.Net.WebSockets;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Credentials;

/// <summary>
/// Two replicas on one Redis: a token one of them signed opens a stream on the other (one Data Protection key ring),
/// and a call-bound token is spent for both (one set of spent tokens), so Telnyx's reconnect or an eavesdropper's
/// replay is refused wherever the load balancer sends it.
/// </summary>
public sealed class StreamTokenReplicaTests : TwoReplicasTest
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await StreamTokenIngressTests.PutTokenAgentsAsync(First, Bot);
        await Wait.UntilAsync(() => Second.Registry.Current.TryGet(Support, out var agent) && agent.Resource.StreamAuth == StreamAuthMode.Token, "the second replica knows the agent");
    }

    [Fact]
    public async Task A_token_signed_by_one_replica_opens_the_stream_on_the_other_once()
    {
        var query = await StreamTokenIngressTests.TexmlQueryAsync(First, "support", "v3:call-1");

        await using var live = await TestCalls.ConnectAsync(Second, Bot, query);

        var (status, _, problem) = await UpgradeRequest.SendAsync(First.CallUri(query));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("stream_token_replayed", problem.GetProperty("code").GetString());
        Assert.Equal(1, Bot.TotalConnections);
    }

    [Fact]
    public async Task A_replay_on_theSecond_replica_is_refused_after_theFirst_took_the_call()
    {
        var query = await StreamTokenIngressTests.TexmlQueryAsync(Second, "support", "v3:call-2");
        await using (var live = await TestCalls.ConnectAsync(First, Bot, query))
        {
            await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hung up");
            await First.AssertCallGoneAsync(Support);
        }

        // After the call too: Telnyx re-dialling a dropped stream needs a fresh TeXML fetch, not the old URL.
        var (status, _, problem) = await UpgradeRequest.SendAsync(Second.CallUri(query));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("stream_token_replayed", problem.GetProperty("code").GetString());

        // A token minted by a second fetch for the same call (a signed fetch replayed within its tolerance) is spent
        // with the call, on every replica; another call's token still opens a stream.
        var refetched = await StreamTokenIngressTests.TexmlQueryAsync(First, "support", "v3:call-2");
        (status, _, problem) = await UpgradeRequest.SendAsync(Second.CallUri(refetched));
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("stream_token_replayed", problem.GetProperty("code").GetString());

        var otherCall = await StreamTokenIngressTests.TexmlQueryAsync(First, "support", "v3:call-3");
        await using var again = await TestCalls.ConnectAsync(Second, Bot, otherCall);
        Assert.Equal(2, Bot.TotalConnections);
    }
}
