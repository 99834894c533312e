using System.Net;
using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Texml;

namespace Gateway.Tests.Credentials;

/// <summary>
/// An agent with <c>streamAuth: token</c> takes only streams that carry a token its TeXML (or dial-out) handed out:
/// every other one is refused with 401 before the upgrade, so no bot is ever woken for it.
/// </summary>
public sealed class StreamTokenIngressTests
{
    private static readonly AgentKey Support = new("acme", "support");
    private static readonly AgentKey Sales = new("acme", "sales");

    private readonly ShiftedTimeProvider _clock = new();

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_token_from_the_agents_TeXML_opens_a_call_that_relays_both_ways(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await StartAsync(mode, bot);

        var query = await TexmlQueryAsync(gateway, "support", "v3:call-1");
        var call = TelnyxCallInfo.CreateRandom();
        await using var live = await TestCalls.ConnectAsync(gateway, bot, query, call);
        await live.Telnyx.SendTextAsync(TelnyxFrames.Media(call, 2, 1, 0, TelnyxFrames.SilenceFrame(1)));
        await live.Bot.SendTextAsync(TelnyxFrames.BotMedia(TelnyxFrames.SilenceFrame(7)));

        Assert.Equal(TelnyxFrames.Media(call, 2, 1, 0, TelnyxFrames.SilenceFrame(1)), (await live.Bot.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.BotMedia(TelnyxFrames.SilenceFrame(7)), (await TestCalls.ReceiveAsync(live.Telnyx)).Payload);
        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hung up");
        TestCalls.AssertClose(await live.Bot.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "hung up");
        await gateway.AssertCallGoneAsync(Support);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task No_token_is_401_stream_token_missing(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await StartAsync(mode, bot);

        await AssertRefusedAsync(gateway, bot, "serviceHost=support.acme", "stream_token_missing",
            "Agent 'support.acme' takes only streams with a token (the token query parameter or x-telnyx-streaming-auth-token).");
        await AssertRefusedAsync(gateway, bot, "serviceHost=support.acme&token=", "stream_token_missing");
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_token_past_its_lifetime_is_401_stream_token_expired(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await StartAsync(mode, bot);
        var stillValid = await TexmlQueryAsync(gateway, "support", "v3:call-1");
        var expired = await TexmlQueryAsync(gateway, "support", "v3:call-2");

        // StreamTokens:Lifetime is 30 s here: 25 s on, a token still opens its stream; 32 s on, none does.
        _clock.Advance(TimeSpan.FromSeconds(25));
        await using (var live = await TestCalls.ConnectAsync(gateway, bot, stillValid))
        {
            await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hung up");
            await gateway.AssertCallGoneAsync(Support);
        }

        _clock.Advance(TimeSpan.FromSeconds(7));
        await AssertRefusedAsync(gateway, bot, expired, "stream_token_expired", "The stream token has expired.", botConnections: 1);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_forged_or_garbled_token_is_401_stream_token_invalid(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await StartAsync(mode, bot);
        await using var otherGateway = await StartAsync(GatewayMode.Embedded, bot);
        var genuine = await TexmlQueryAsync(gateway, "support", "v3:call-1");
        var token = genuine[(genuine.IndexOf("token=", StringComparison.Ordinal) + "token=".Length)..];
        var flipped = token[..20] + (token[20] == 'A' ? 'B' : 'A') + token[21..];

        // A token another gateway (another key ring) signed is no better than garbage.
        var foreign = await TexmlQueryAsync(otherGateway, "support", "v3:call-1");
        await AssertRefusedAsync(gateway, bot, foreign, "stream_token_invalid", "The stream token was not signed by this gateway.");
        await AssertRefusedAsync(gateway, bot, "serviceHost=support.acme&token=garbage", "stream_token_invalid");
        await AssertRefusedAsync(gateway, bot, "serviceHost=support.acme&token=" + flipped, "stream_token_invalid");
        await AssertRefusedAsync(gateway, bot, "serviceHost=support.acme&token=" + token[..^4], "stream_token_invalid");
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Another_agents_token_is_401_stream_token_other_agent(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await StartAsync(mode, bot);
        var sales = await TexmlQueryAsync(gateway, "sales", "v3:call-1");

        await AssertRefusedAsync(gateway, bot, sales.Replace("serviceHost=sales.acme", "serviceHost=support.acme", StringComparison.Ordinal), "stream_token_other_agent",
            "The stream token was issued for another agent than 'support.acme'.");
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_call_bound_token_presented_twice_is_401_stream_token_replayed(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await StartAsync(mode, bot);
        var query = await TexmlQueryAsync(gateway, "support", "v3:call-1");

        await using var live = await TestCalls.ConnectAsync(gateway, bot, query);

        await AssertRefusedAsync(gateway, bot, query, "stream_token_replayed", "The stream token is single use and was presented before.", botConnections: 1, claims: 1);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_token_in_the_x_telnyx_streaming_auth_token_header_is_accepted(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await StartAsync(mode, bot);
        var query = await TexmlQueryAsync(gateway, "support", "v3:call-1");
        var token = query[(query.IndexOf("token=", StringComparison.Ordinal) + "token=".Length)..];
        var call = TelnyxCallInfo.CreateRandom();

        await using var telnyx = await TelnyxCallClient.ConnectAsync(
            gateway.CallUri("serviceHost=support.acme"),
            Wait.Token(),
            new Dictionary<string, string> { ["x-telnyx-streaming-auth-token"] = Uri.UnescapeDataString(token) });
        await TestCalls.SendHandshakeAsync(telnyx, call);
        var botCall = await bot.NextCallAsync();

        Assert.Equal(TelnyxFrames.Connected(), (await botCall.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await botCall.ReceiveAsync()).Payload);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task An_agent_without_stream_auth_ignores_tokens(GatewayMode mode)
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await StartAsync(mode, bot);
        await TexmlDocumentTests.PutAsync(gateway, Support, new AgentResource { Instances = [new AgentInstance { Id = "bot-1", Url = bot.WsUri, Capacity = 5 }] });

        var texml = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support?CallSid=v3:call-1"));
        Assert.DoesNotContain("token=", texml.Body, StringComparison.Ordinal);
        await using (await TestCalls.ConnectAsync(gateway, bot, texml.StreamQuery()))
        await using (await TestCalls.ConnectAsync(gateway, bot, "serviceHost=support.acme&token=garbage"))
        {
            Assert.Equal(2, (await gateway.Sessions.ListAsync("acme")).Count);
        }
    }

    [Fact]
    public async Task A_start_frame_routed_stream_without_its_token_is_closed_with_1008()
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await StartAsync(GatewayMode.Embedded, bot);
        var call = TelnyxCallInfo.CreateRandom(new Dictionary<string, string> { ["serviceHost"] = "support.acme" });

        await using var telnyx = await TestCalls.DialAsync(gateway.CallUri());
        await TestCalls.SendHandshakeAsync(telnyx, call);

        TestCalls.AssertClose(await TestCalls.ReceiveAsync(telnyx), WebSocketCloseStatus.PolicyViolation,
            "Agent 'support.acme' takes only streams with a token (the token query parameter or x-telnyx-streaming-auth-token).");
        Assert.Equal(0, bot.TotalConnections);

        // The same stream with the token its TeXML handed out is relayed.
        var query = await TexmlQueryAsync(gateway, "support", "v3:call-1");
        var token = query[query.IndexOf("token=", StringComparison.Ordinal)..];
        var routed = TelnyxCallInfo.CreateRandom(new Dictionary<string, string> { ["serviceHost"] = "support.acme" });
        await using var withToken = await TestCalls.DialAsync(gateway.CallUri(token));
        await TestCalls.SendHandshakeAsync(withToken, routed);
        var botCall = await bot.NextCallAsync();
        Assert.Equal(TelnyxFrames.Connected(), (await botCall.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(routed), (await botCall.ReceiveAsync()).Payload);
    }

    /// <summary>The stream URL's query from the agent's TeXML document, fetched as Telnyx does for call <paramref name="callSid"/>.</summary>
    internal static async Task<string> TexmlQueryAsync(GatewayHost gateway, string agent, string callSid)
    {
        var response = await TexmlClient.PostAsync(gateway.HttpUri($"/texml/acme/{agent}"), TexmlClient.Encode(TexmlClient.CallFields(callSid: callSid)));
        Assert.Equal(HttpStatusCode.OK, response.Status);
        var query = response.StreamQuery();
        Assert.Contains("&token=", query, StringComparison.Ordinal);
        return query;
    }

    internal static async Task PutTokenAgentsAsync(GatewayHost gateway, BotServer bot)
    {
        foreach (var key in new[] { Support, Sales })
        {
            await TexmlDocumentTests.PutAsync(gateway, key, new AgentResource
            {
                StreamAuth = StreamAuthMode.Token,
                Instances = [new AgentInstance { Id = "bot-1", Url = bot.WsUri, Capacity = 5 }],
            });
        }
    }

    private async Task<GatewayHost> StartAsync(GatewayMode mode, BotServer bot)
    {
        var gateway = await ClockedGateways.StartAsync(mode, _clock, new Dictionary<string, string?> { ["StreamTokens:Lifetime"] = "00:00:30" });
        await PutTokenAgentsAsync(gateway, bot);
        return gateway;
    }

    private static async Task AssertRefusedAsync(GatewayHost gateway, BotServer bot, string query, string code, string? detail = null, int botConnections = 0, long claims = 0)
    {
        var (status, contentType, problem) = await UpgradeRequest.SendAsync(gateway.CallUri(query));

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal("Stream not authorized", problem.GetProperty("title").GetString());
        if (detail is not null)
        {
            Assert.Equal(detail, problem.GetProperty("detail").GetString());
        }

        Assert.Equal(botConnections, bot.TotalConnections);
        Assert.Equal(claims, await gateway.ClaimCountAsync(Support));
    }
}
