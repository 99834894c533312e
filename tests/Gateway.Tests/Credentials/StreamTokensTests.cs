using Gateway.Core;
using Gateway.Credentials;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Credentials;

/// <summary>The token rules themselves, without a gateway: scope, expiry, and single use per call.</summary>
public sealed class StreamTokensTests
{
    private static readonly AgentKey Support = new("acme", "support");

    private readonly ShiftedTimeProvider _time = new();
    private readonly StreamTokens _tokens;

    public StreamTokensTests()
    {
        _tokens = new StreamTokens(new EphemeralDataProtectionProvider(), new InMemorySpentStreamTokens(_time), Options.Create(new StreamTokenOptions()), _time);
    }

    [Fact]
    public async Task A_second_token_minted_for_the_same_call_is_refused_as_a_replay()
    {
        // A captured, still-signed TeXML fetch replayed within the signature tolerance mints a new token for the same CallSid.
        var first = _tokens.Issue(Support, callId: "call-1");
        var second = _tokens.Issue(Support, callId: "call-1");

        Assert.NotEqual(first, second);
        Assert.Equal(StreamTokenCheck.Valid, await _tokens.CheckAsync(first, Support));
        Assert.Equal(StreamTokenCheck.Replayed, await _tokens.CheckAsync(second, Support));
    }

    [Fact]
    public async Task Tokens_for_different_calls_or_agents_are_spent_separately()
    {
        var sales = new AgentKey("acme", "sales");

        Assert.Equal(StreamTokenCheck.Valid, await _tokens.CheckAsync(_tokens.Issue(Support, callId: "call-1"), Support));
        Assert.Equal(StreamTokenCheck.Valid, await _tokens.CheckAsync(_tokens.Issue(Support, callId: "call-2"), Support));
        Assert.Equal(StreamTokenCheck.Valid, await _tokens.CheckAsync(_tokens.Issue(sales, callId: "call-1"), sales));
    }

    [Fact]
    public async Task A_token_without_a_call_may_be_presented_again_until_it_expires()
    {
        var token = _tokens.Issue(Support);

        Assert.Equal(StreamTokenCheck.Valid, await _tokens.CheckAsync(token, Support));
        Assert.Equal(StreamTokenCheck.Valid, await _tokens.CheckAsync(token, Support));
        _time.Advance(new StreamTokenOptions().Lifetime);
        Assert.Equal(StreamTokenCheck.Expired, await _tokens.CheckAsync(token, Support));
    }

    [Fact]
    public async Task A_dial_out_token_carries_its_session_id()
    {
        var result = await _tokens.VerifyAsync(_tokens.Issue(Support, callId: "session-1", sessionId: "session-1"), Support);

        Assert.Equal(new StreamTokenResult(StreamTokenCheck.Valid, "session-1"), result);
    }
}
