using System.Net;
using System.Text.Json;
using Gateway.CallSimulator;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.DialOut;

/// <summary>
/// <c>POST /v1/orgs/{org}/agents/{agent}/calls</c> end to end: the exact request Telnyx gets, the 201, and the stream
/// Telnyx then opens reaching the bot with the dial-out's body and session id.
/// </summary>
public sealed class DialOutTests
{
    private const string Body = """{"customer":{"id":42,"tier":"gold"},"lang":"en-US"}""";

    private const string Dial = $$"""{"to":"+13125550100","from":"+13125550199","body":{{Body}}}""";

    public static TheoryData<GatewayMode, StreamAuthMode> ModesAndStreamAuth => new()
    {
        { GatewayMode.Embedded, StreamAuthMode.None },
        { GatewayMode.Embedded, StreamAuthMode.Token },
        { GatewayMode.Redis, StreamAuthMode.None },
        { GatewayMode.Redis, StreamAuthMode.Token },
    };

    [Theory]
    [MemberData(nameof(ModesAndStreamAuth))]
    public async Task Telnyx_gets_the_exact_dial_and_its_stream_reaches_the_bot_as_the_answered_session(GatewayMode mode, StreamAuthMode streamAuth)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode, agent => agent with { StreamAuth = streamAuth });

        var response = await lab.DialAsync(Dial);

        // Telnyx got one request: POST /v2/calls with the tenant's key and every field.
        var dial = Assert.Single(lab.Telnyx.Requests);
        Assert.Equal("POST", dial.Method);
        Assert.Equal("/v2/calls", dial.RawTarget);
        Assert.Equal("Bearer " + TelnyxApiLab.AcmeApiKey, dial.Authorization);
        Assert.StartsWith("application/json", dial.Headers["Content-Type"], StringComparison.Ordinal);
        var sent = dial.Json;
        Assert.Equal(
            ["connection_id", "to", "from", "stream_url", "stream_track", "stream_bidirectional_mode", "stream_bidirectional_codec",
             "stream_bidirectional_sampling_rate", "stream_auth_token", "stream_codec"],
            sent.EnumerateObject().Select(p => p.Name));
        Assert.Equal(TelnyxApiLab.AcmeConnectionId, sent.GetProperty("connection_id").GetString());
        Assert.Equal("+13125550100", sent.GetProperty("to").GetString());
        Assert.Equal("+13125550199", sent.GetProperty("from").GetString());
        Assert.Equal(
            "wss://voice.example.com/ws/telnyx?serviceHost=support.acme&body=" + Uri.EscapeDataString(TestCalls.Base64(Body)),
            sent.GetProperty("stream_url").GetString());
        Assert.Equal("inbound_track", sent.GetProperty("stream_track").GetString());
        Assert.Equal("rtp", sent.GetProperty("stream_bidirectional_mode").GetString());
        Assert.Equal("PCMU", sent.GetProperty("stream_bidirectional_codec").GetString());
        Assert.Equal(JsonValueKind.Number, sent.GetProperty("stream_bidirectional_sampling_rate").ValueKind);
        Assert.Equal(8000, sent.GetProperty("stream_bidirectional_sampling_rate").GetInt32());
        Assert.Equal("PCMU", sent.GetProperty("stream_codec").GetString());
        var token = sent.GetProperty("stream_auth_token").GetString()!;
        Assert.InRange(token.Length, 40, 4000);

        // The 201 carries Telnyx's ids and the session id the bot will see.
        response.AssertStatus(HttpStatusCode.Created);
        Assert.Equal("application/json", response.ContentType);
        var telnyxData = dial.ResponseJson.GetProperty("data");
        var placed = response.Json;
        Assert.Equal(["callControlId", "callSessionId", "callLegId", "sessionId"], placed.EnumerateObject().Select(p => p.Name));
        Assert.Equal(telnyxData.GetProperty("call_control_id").GetString(), placed.GetProperty("callControlId").GetString());
        Assert.Equal(telnyxData.GetProperty("call_session_id").GetString(), placed.GetProperty("callSessionId").GetString());
        Assert.Equal(telnyxData.GetProperty("call_leg_id").GetString(), placed.GetProperty("callLegId").GetString());
        var sessionId = placed.GetProperty("sessionId").GetString()!;
        Assert.True(Guid.TryParse(sessionId, out var sessionGuid));
        Assert.Equal(7, sessionGuid.Version);

        // While the phone rings, the call holds its reservation: one claim.
        Assert.Equal(1, await lab.Gateway.ClaimCountAsync(TelnyxApiLab.Support));

        // Telnyx answers the callee and opens the stream with the token in its header.
        var call = TelnyxCallInfo.CreateRandom() with
        {
            CallControlId = placed.GetProperty("callControlId").GetString()!,
            CallSessionId = placed.GetProperty("callSessionId").GetString()!,
            From = "+13125550199",
            To = "+13125550100",
        };
        await using var telnyx = await lab.OpenDialedStreamAsync(dial, call);
        var bot = await lab.Bot.NextCallAsync();
        Assert.Equal(sessionId, bot.Headers["X-Daily-Session-Id"]);
        Assert.Equal(TestCalls.Base64(Body), bot.Body);
        Assert.Equal("acme", bot.Headers["X-Gateway-Org"]);
        Assert.Equal("support", bot.Headers["X-Gateway-Agent"]);
        Assert.Equal(TelnyxFrames.Connected(), (await bot.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await bot.ReceiveAsync()).Payload);

        // The session record is the dial-out's session, with Telnyx's call id.
        await Wait.UntilAsync(async () => await lab.Gateway.Sessions.GetAsync(sessionId) is not null, $"session {sessionId} is recorded");
        var session = (await lab.Gateway.Sessions.GetAsync(sessionId))!;
        Assert.Equal(call.CallControlId, session.CallControlId);
        Assert.Equal("acme", session.Org);
        Assert.Equal("support", session.Agent);

        // The stream took the reservation as its claim rather than a second one.
        Assert.Equal(1, await lab.Gateway.ClaimCountAsync(TelnyxApiLab.Support));
    }

    [Theory]
    [InlineData(GatewayMode.Embedded)]
    [InlineData(GatewayMode.Redis)]
    public async Task While_the_phone_rings_the_reserved_bot_is_kept_from_inbound_calls(GatewayMode mode)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode, agent => agent with { Instances = [agent.Instances[0] with { Capacity = 1 }] });

        var placed = (await lab.DialAsync(Dial)).AssertStatus(HttpStatusCode.Created).Json;
        var (inbound, _, problem) = await UpgradeRequest.SendAsync(lab.Gateway.CallUri("serviceHost=support.acme"));
        var secondDial = await lab.DialAsync(Dial);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, inbound);
        Assert.Equal("no_capacity", problem.GetProperty("code").GetString());
        secondDial.AssertProblem(HttpStatusCode.ServiceUnavailable, "no_capacity");
        Assert.Single(lab.Telnyx.Requests);

        // The callee answers: the stream gets the bot it was promised.
        await using var telnyx = await lab.OpenDialedStreamAsync(lab.Telnyx.Requests[0], TelnyxCallInfo.CreateRandom());
        var bot = await lab.Bot.NextCallAsync();
        Assert.Equal(placed.GetProperty("sessionId").GetString(), bot.Headers["X-Daily-Session-Id"]);
        Assert.Equal(1, await lab.Gateway.ClaimCountAsync(TelnyxApiLab.Support));
    }

    [Theory]
    [MemberData(nameof(ModesAndStreamAuth))]
    public async Task The_stream_token_is_single_use(GatewayMode mode, StreamAuthMode streamAuth)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode, agent => agent with { StreamAuth = streamAuth });
        var placed = (await lab.DialAsync(Dial)).AssertStatus(HttpStatusCode.Created).Json;
        var sessionId = placed.GetProperty("sessionId").GetString()!;
        var dial = Assert.Single(lab.Telnyx.Requests);
        await using var first = await lab.OpenDialedStreamAsync(dial, TelnyxCallInfo.CreateRandom());
        Assert.Equal(sessionId, (await lab.Bot.NextCallAsync()).Headers["X-Daily-Session-Id"]);

        var query = TelnyxApiLab.StreamQuery(dial.Json.GetProperty("stream_url").GetString()!);
        var replay = new Dictionary<string, string> { ["x-telnyx-streaming-auth-token"] = dial.Json.GetProperty("stream_auth_token").GetString()! };
        if (streamAuth == StreamAuthMode.Token)
        {
            var (status, contentType, problem) = await UpgradeRequest.SendAsync(lab.Gateway.CallUri(query), headers: replay);
            Assert.Equal(HttpStatusCode.Unauthorized, status);
            Assert.Equal("application/problem+json", contentType);
            Assert.Equal("stream_token_replayed", problem.GetProperty("code").GetString());
            Assert.NotEqual(sessionId, problem.GetProperty("sessionId").GetString());
            Assert.Equal(1, lab.Bot.TotalConnections);
        }
        else
        {
            // An agent without stream auth takes the stream, but as a call of its own: the spent token binds nothing.
            await using var second = await TelnyxCallClient.ConnectAsync(lab.Gateway.CallUri(query), Wait.Token(), replay);
            await TestCalls.SendHandshakeAsync(second, TelnyxCallInfo.CreateRandom());
            var bot = await lab.Bot.NextCallAsync();
            var secondSession = bot.Headers["X-Daily-Session-Id"];
            Assert.NotEqual(sessionId, secondSession);
            Assert.True(Guid.TryParse(secondSession, out _));
        }
    }

    [Fact]
    public async Task A_stream_token_opens_no_other_agent()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, agent => agent with { StreamAuth = StreamAuthMode.Token });
        await lab.Gateway.PutAgentAsync(new AgentKey("acme", "sales"), lab.Agent() with { StreamAuth = StreamAuthMode.Token });
        (await lab.DialAsync(Dial)).AssertStatus(HttpStatusCode.Created);
        var dial = Assert.Single(lab.Telnyx.Requests);

        var (status, _, problem) = await UpgradeRequest.SendAsync(
            lab.Gateway.CallUri("serviceHost=sales.acme"),
            headers: new Dictionary<string, string> { ["x-telnyx-streaming-auth-token"] = dial.Json.GetProperty("stream_auth_token").GetString()! });

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("stream_token_other_agent", problem.GetProperty("code").GetString());
    }

    [Fact]
    public async Task The_agents_stream_settings_shape_the_dial_and_no_body_means_no_body_parameter()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, agent => agent with
        {
            Texml = new AgentTexml { Codec = "default", Track = "both_tracks", BidirectionalCodec = "L16", BidirectionalSamplingRate = 16000 },
        });

        (await lab.DialAsync("""{"to":"+442071838750","from":"+13125550199"}""")).AssertStatus(HttpStatusCode.Created);

        var sent = Assert.Single(lab.Telnyx.Requests).Json;
        Assert.False(sent.TryGetProperty("stream_codec", out _), "stream_codec \"default\" is Telnyx's default: not sent");
        Assert.Equal("+442071838750", sent.GetProperty("to").GetString());
        Assert.Equal("wss://voice.example.com/ws/telnyx?serviceHost=support.acme", sent.GetProperty("stream_url").GetString());
        Assert.Equal("both_tracks", sent.GetProperty("stream_track").GetString());
        Assert.Equal("L16", sent.GetProperty("stream_bidirectional_codec").GetString());
        Assert.Equal(16000, sent.GetProperty("stream_bidirectional_sampling_rate").GetInt32());
        Assert.Equal("rtp", sent.GetProperty("stream_bidirectional_mode").GetString());
    }

    [Fact]
    public async Task Without_a_public_base_url_the_stream_url_names_the_host_the_request_came_to()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, settings: new Dictionary<string, string?> { ["Gateway:PublicBaseUrl"] = null });

        (await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199"}""")).AssertStatus(HttpStatusCode.Created);

        Assert.Equal(
            $"wss://{lab.Gateway.BaseUri.Authority}/ws/telnyx?serviceHost=support.acme",
            Assert.Single(lab.Telnyx.Requests).Json.GetProperty("stream_url").GetString());
    }

    [Fact]
    public async Task The_connection_is_the_requests_else_the_agents_else_the_organizations()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, agent => agent with { ConnectionId = "agent-connection_1", Instances = [agent.Instances[0] with { Capacity = 3 }] });

        (await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199","connectionId":"request-connection_2"}""")).AssertStatus(HttpStatusCode.Created);
        (await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199"}""")).AssertStatus(HttpStatusCode.Created);
        await lab.Gateway.PutAgentAsync(TelnyxApiLab.Support, lab.Agent(capacity: 3));
        (await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199"}""")).AssertStatus(HttpStatusCode.Created);

        Assert.Equal(
            ["request-connection_2", "agent-connection_1", TelnyxApiLab.AcmeConnectionId],
            lab.Telnyx.Requests.Select(r => r.Json.GetProperty("connection_id").GetString()));
    }

    [Fact]
    public async Task A_platform_admin_may_dial_for_any_organization()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);

        (await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199"}""", client: lab.Admin)).AssertStatus(HttpStatusCode.Created);

        Assert.Equal("Bearer " + TelnyxApiLab.AcmeApiKey, Assert.Single(lab.Telnyx.Requests).Authorization);
    }

    [Fact]
    public async Task Each_organization_dials_with_its_own_key()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await lab.Gateway.PutAgentAsync(new AgentKey("globex", "support"), lab.Agent());
        (await lab.PutTelnyxAsync("globex", "KEYglobex_other-tenant", "globex-connection")).AssertStatus(HttpStatusCode.OK);

        (await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199"}""", org: "globex", client: new AdminClient(lab.Gateway, AdminTokens.ForOrg("globex"))))
            .AssertStatus(HttpStatusCode.Created);

        var dial = Assert.Single(lab.Telnyx.Requests);
        Assert.Equal("Bearer KEYglobex_other-tenant", dial.Authorization);
        Assert.Equal("globex-connection", dial.Json.GetProperty("connection_id").GetString());
        Assert.Equal("wss://voice.example.com/ws/telnyx?serviceHost=support.globex", dial.Json.GetProperty("stream_url").GetString());
    }

    [Fact]
    public async Task A_telnyx_base_url_with_a_path_keeps_it()
    {
        await using var fake = await FakeTelnyxApi.StartAsync();
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, settings: new Dictionary<string, string?>
        {
            ["Telnyx:ApiBaseUrl"] = new Uri(fake.BaseUri, "/telnyx-proxy/").ToString(),
        });
        fake.AnswerWhen(r => r.Path == "/telnyx-proxy/v2/calls", 200, FakeTelnyxApi.DialAnswer(out var callControlId, out _, out _));

        var response = await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199"}""");

        response.AssertStatus(HttpStatusCode.Created);
        Assert.Equal(callControlId, response.Json.GetProperty("callControlId").GetString());
        Assert.Equal("/telnyx-proxy/v2/calls", Assert.Single(fake.Requests).RawTarget);
    }
}
