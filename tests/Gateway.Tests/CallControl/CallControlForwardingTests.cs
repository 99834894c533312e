using System.Net;
using System.Text;
using Gateway.CallControl;
using Gateway.Credentials;
using Gateway.Registry;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.CallControl;

/// <summary>
/// A bot's <c>POST /v2/calls/{call_control_id}/actions/{action}</c> with its session credential reaches Telnyx
/// untouched but for the credential, swapped for the tenant's key; Telnyx's answer comes back as is.
/// </summary>
public sealed class CallControlForwardingTests
{
    /// <summary>Bodies as a Telnyx SDK sends them, with odd spacing and escapes to show they are not re-serialized.</summary>
    private static readonly Dictionary<string, string> Bodies = new(StringComparer.Ordinal)
    {
        ["hangup"] = """{"client_state":"aGF2ZSBhIG5pY2UgZGF5ID1d", "command_id":"891510ac-f3e4-11e8-af5b-de00688a4901"}""",
        ["transfer"] = "{ \"to\" : \"+13125550123\",\n  \"from\":\"+13125550199\", \"timeout_secs\": 30 }",
        ["record_start"] = """{"format":"mp3","channels":"dual","play_beep":true}""",
        ["record_stop"] = "{}",
        ["playback_start"] = """{"audio_url":"https://example.com/hold.mp3?x=1\u0026y=2","loop":"infinity","overlay":false}""",
        ["playback_stop"] = """{"stop":"all"}""",
        ["gather"] = """{"minimum_digits":1,"maximum_digits":4,"terminating_digit":"#","valid_digits":"0123456789#"}""",
        ["gather_using_audio"] = """{"audio_url":"https://example.com/menu.wav","maximum_tries":3,"timeout_millis":60000}""",
        ["send_dtmf"] = """{"digits":"1www2WABCDw9","duration_millis":250}""",
    };

    public static TheoryData<string, GatewayMode> ActionsInBothModes()
    {
        var data = new TheoryData<string, GatewayMode>();
        foreach (var action in CallControlActions.Defaults)
        {
            data.Add(action, GatewayMode.Embedded);
            data.Add(action, GatewayMode.Redis);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ActionsInBothModes))]
    public async Task Every_default_action_is_forwarded_with_the_tenants_key_in_place_of_the_credential(string action, GatewayMode mode)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        var credential = live.Bot.Headers[SessionCredentials.HeaderName];
        var body = Bodies[action];
        const string Query = "?trace=a%20b&trace=c";

        var response = await lab.CallControlAsync(live.Call.CallControlId, action, credential, body, Query, new Dictionary<string, string>
        {
            [SessionCredentials.HeaderName] = credential,
            ["Idempotency-Key"] = "bot-7f3c",
        });

        var forwarded = Assert.Single(lab.Telnyx.Requests);
        Assert.Equal("POST", forwarded.Method);
        Assert.Equal($"/v2/calls/{live.Call.CallControlId}/actions/{action}{Query}", forwarded.RawTarget);
        Assert.Equal(Encoding.UTF8.GetBytes(body), forwarded.Body);
        Assert.Equal("Bearer " + TelnyxApiLab.AcmeApiKey, forwarded.Authorization);
        Assert.Equal("application/json", forwarded.Headers["Content-Type"]);
        Assert.Equal("bot-7f3c", forwarded.Headers["Idempotency-Key"]);
        Assert.False(forwarded.Headers.ContainsKey(SessionCredentials.HeaderName));
        Assert.DoesNotContain(forwarded.Headers, h => h.Value.Contains(credential, StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(FakeTelnyxApi.ActionOkBody, response.Text);
        Assert.Equal("fake-1", response.Headers["x-request-id"]);

        // Neither secret is ever written to the gateway's log.
        Assert.DoesNotContain(lab.Gateway.Logs.Lines, l => l.Contains(TelnyxApiLab.AcmeApiKey, StringComparison.Ordinal) || l.Contains(credential, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pipecats_bodiless_hangup_is_forwarded_bodiless()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        // TelnyxFrameSerializer's hang-up: Content-Type application/json and no body at all.
        var response = await lab.CallControlAsync(live.Call.CallControlId, "hangup", live.Bot.Headers[SessionCredentials.HeaderName], body: string.Empty);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var forwarded = Assert.Single(lab.Telnyx.Requests);
        Assert.Empty(forwarded.Body);
        Assert.Equal($"/v2/calls/{live.Call.CallControlId}/actions/hangup", forwarded.RawTarget);
        Assert.Equal("Bearer " + TelnyxApiLab.AcmeApiKey, forwarded.Authorization);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Call_ended_90018_reaches_the_bot_byte_for_byte(GatewayMode mode)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        lab.Telnyx.AnswerAll(422, FakeTelnyxApi.CallEndedBody);

        var response = await lab.CallControlAsync(live.Call.CallControlId, "hangup", live.Bot.Headers[SessionCredentials.HeaderName]);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.Status);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(FakeTelnyxApi.CallEndedBody, response.Text);
        Assert.Single(lab.Telnyx.Requests);
    }

    [Theory]
    [InlineData(401, """{"errors":[{"code":"10009","title":"Authentication failed","detail":"The API key is not valid."}]}""")]
    [InlineData(429, """{"errors":[{"code":"10011","title":"Too many requests","detail":"Rate limit exceeded."}]}""")]
    [InlineData(500, """{"errors":[{"code":"10007","title":"Unexpected error","detail":"An unexpected error occurred."}]}""")]
    [InlineData(404, "")]
    [InlineData(405, "")]
    public async Task Any_other_telnyx_answer_is_returned_as_is(int status, string body)
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        lab.Telnyx.AnswerAll(status, body);

        var response = await lab.CallControlAsync(live.Call.CallControlId, "playback_stop", live.Bot.Headers[SessionCredentials.HeaderName]);

        Assert.Equal((HttpStatusCode)status, response.Status);
        Assert.Equal(body, response.Text);
    }

    [Fact]
    public async Task A_stored_key_no_header_can_carry_is_a_telnyx_shaped_500_not_sent_and_Telnyx_never_asked()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        await lab.Gateway.Services.GetRequiredService<ITenantSettingsStore>().PutAsync("acme", new TenantTelnyxSettings { ApiKey = "KEY0193A8B2C4D5E6F7_abc…" });

        var response = await lab.CallControlAsync(live.Call.CallControlId, "hangup", live.Bot.Headers[SessionCredentials.HeaderName]);

        CallControlAssert.Error(response, HttpStatusCode.InternalServerError, "gateway_telnyx_request_not_sent", "Request to Telnyx not sent",
            "The command was not sent: organization 'acme''s Telnyx API key holds characters an HTTP header cannot carry; set it again (PATCH /admin/v1/orgs/acme/telnyx).");
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task Telnyx_down_is_a_telnyx_shaped_502()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        await lab.Telnyx.StopAsync();

        var response = await lab.CallControlAsync(live.Call.CallControlId, "hangup", live.Bot.Headers[SessionCredentials.HeaderName]);

        CallControlAssert.Error(response, HttpStatusCode.BadGateway, "gateway_telnyx_unreachable", "Telnyx unreachable",
            "The gateway got no answer from Telnyx's API (connection refused or lost).");
    }

    [Fact]
    public async Task Another_replica_takes_the_credential_too()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Redis);
        var replica = await lab.StartReplicaAsync();
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        var response = await lab.CallControlAsync(live.Call.CallControlId, "hangup", live.Bot.Headers[SessionCredentials.HeaderName], gateway: replica);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var forwarded = Assert.Single(lab.Telnyx.Requests);
        Assert.Equal("Bearer " + TelnyxApiLab.AcmeApiKey, forwarded.Authorization);
        Assert.Equal($"/v2/calls/{live.Call.CallControlId}/actions/hangup", forwarded.RawTarget);
    }

    [Fact]
    public async Task A_dialed_out_call_is_controlled_with_the_credential_its_bot_got()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        var placed = (await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199"}""")).AssertStatus(HttpStatusCode.Created).Json;
        var call = Gateway.CallSimulator.TelnyxCallInfo.CreateRandom() with { CallControlId = placed.GetProperty("callControlId").GetString()! };
        await using var telnyx = await lab.OpenDialedStreamAsync(Assert.Single(lab.Telnyx.Requests), call);
        var bot = await lab.Bot.NextCallAsync();
        var sessionId = placed.GetProperty("sessionId").GetString()!;
        await Wait.UntilAsync(async () => await lab.Gateway.Sessions.GetAsync(sessionId) is not null, $"session {sessionId} is recorded");

        var response = await lab.CallControlAsync(call.CallControlId, "transfer", bot.Headers[SessionCredentials.HeaderName], """{"to":"+13125550123"}""");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal(2, lab.Telnyx.Requests.Count);
        Assert.Equal($"/v2/calls/{call.CallControlId}/actions/transfer", lab.Telnyx.Requests[1].RawTarget);
    }
}
