using Gateway.Tests.Infrastructure;
using Gateway.Tests.Metrics;

namespace Gateway.Tests.Calls;

/// <summary>
/// A stream is live from its upgrade request on, before it holds a claim: what reads the live calls (lease renewals,
/// the claims gauge) takes the ones without a claim in its stride.
/// </summary>
public sealed class LiveCallsTests : GatewayWithBotTest
{
    protected override IDictionary<string, string?>? Settings => new Dictionary<string, string?>
    {
        ["Claims:LeaseDuration"] = "00:00:01",
        ["Claims:RenewInterval"] = "00:00:00.200",
        ["Ingress:HandshakeTimeout"] = "00:01:00",
    };

    [Fact]
    public async Task A_stream_without_a_claim_yet_leaves_lease_renewals_and_the_claims_gauge_to_the_calls_with_one()
    {
        await using var relaying = await TestCalls.ConnectAsync(Gateway, Bot);
        var sessionId = relaying.Bot.Headers["X-Daily-Session-Id"];

        // No serviceHost and no start frame: live, but with no agent, no bot and no claim.
        await using var waiting = await TestCalls.DialAsync(Gateway.CallUri());
        await Wait.UntilAsync(() => Gateway.LiveCalls.Count == 2, "both streams are live");
        Assert.Equal(1, (await MetricsText.ScrapeAsync(Gateway)).Value("gateway_claims_held"));

        // Over two leases later only renewals can have kept the relaying call's session record.
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.NotNull(await Gateway.Sessions.GetAsync(sessionId));
        Assert.Equal(2, Gateway.LiveCalls.Count);
    }
}
