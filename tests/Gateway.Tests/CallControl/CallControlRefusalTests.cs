using System.Net;
using System.Text.Json;
using Gateway.CallControl;
using Gateway.Core;
using Gateway.Credentials;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.CallControl;

/// <summary>A bot controls its own live call and nothing else; every refusal is Telnyx-shaped and never reaches Telnyx.</summary>
public sealed class CallControlRefusalTests
{
    private const string NotFoundDetail = "This credential's session has no live call with that call_control_id.";

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer")]
    [InlineData("Bearer not-a-credential")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task No_or_a_garbage_credential_is_401(string? authorization)
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        var headers = authorization is null ? null : new Dictionary<string, string> { ["Authorization"] = authorization };

        var response = await lab.CallControlAsync(live.Call.CallControlId, "hangup", credential: null, headers: headers);

        CallControlAssert.Error(response, HttpStatusCode.Unauthorized, "gateway_unauthorized", "Authentication failed",
            "Send the call's session credential (the bot hop's X-Gateway-Session-Token header) as the bearer token.");
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task The_credential_only_in_its_own_header_is_401()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        var response = await lab.CallControlAsync(live.Call.CallControlId, "hangup", credential: null, headers: new Dictionary<string, string>
        {
            [SessionCredentials.HeaderName] = live.Bot.Headers[SessionCredentials.HeaderName],
        });

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task A_credential_another_gateway_issued_is_401()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await using var other = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        await using var elsewhere = await TestCalls.ConnectAsync(other.Gateway, other.Bot, call: live.Call);

        var response = await lab.CallControlAsync(live.Call.CallControlId, "hangup", elsewhere.Bot.Headers[SessionCredentials.HeaderName]);

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Empty(lab.Telnyx.Requests);
        Assert.Empty(other.Telnyx.Requests);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_credential_used_on_another_live_call_of_the_same_tenant_is_404(GatewayMode mode)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode);
        await using var first = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        await using var second = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        var response = await lab.CallControlAsync(second.Call.CallControlId, "hangup", first.Bot.Headers[SessionCredentials.HeaderName]);

        CallControlAssert.Error(response, HttpStatusCode.NotFound, "gateway_call_not_found", "Call not found", NotFoundDetail);
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_credential_used_on_another_tenants_live_call_is_404_both_ways(GatewayMode mode)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode);
        await lab.Gateway.PutAgentAsync(new AgentKey("globex", "support"), lab.Agent());
        (await lab.PutTelnyxAsync("globex", "KEYglobex_other-tenant", "globex-connection")).AssertStatus(HttpStatusCode.OK);
        await using var acme = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        await using var globex = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot, query: "serviceHost=support.globex");

        var acmeOnGlobex = await lab.CallControlAsync(globex.Call.CallControlId, "hangup", acme.Bot.Headers[SessionCredentials.HeaderName]);
        var globexOnAcme = await lab.CallControlAsync(acme.Call.CallControlId, "transfer", globex.Bot.Headers[SessionCredentials.HeaderName], """{"to":"+13125550123"}""");

        CallControlAssert.Error(acmeOnGlobex, HttpStatusCode.NotFound, "gateway_call_not_found", "Call not found", NotFoundDetail);
        CallControlAssert.Error(globexOnAcme, HttpStatusCode.NotFound, "gateway_call_not_found", "Call not found", NotFoundDetail);
        Assert.Empty(lab.Telnyx.Requests);

        // Each on its own call: each with its own tenant's key.
        Assert.Equal(HttpStatusCode.OK, (await lab.CallControlAsync(globex.Call.CallControlId, "hangup", globex.Bot.Headers[SessionCredentials.HeaderName])).Status);
        Assert.Equal("Bearer KEYglobex_other-tenant", Assert.Single(lab.Telnyx.Requests).Authorization);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task The_credential_of_a_call_that_ended_is_404(GatewayMode mode)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode);
        var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        var credential = live.Bot.Headers[SessionCredentials.HeaderName];
        Assert.Equal(HttpStatusCode.OK, (await lab.CallControlAsync(live.Call.CallControlId, "record_stop", credential)).Status);

        await live.Telnyx.CloseOutputAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "hung up");
        await lab.Gateway.AssertCallGoneAsync(TelnyxApiLab.Support);
        await live.DisposeAsync();
        var response = await lab.CallControlAsync(live.Call.CallControlId, "hangup", credential);

        CallControlAssert.Error(response, HttpStatusCode.NotFound, "gateway_call_not_found", "Call not found", NotFoundDetail);
        Assert.Single(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task An_action_the_agent_does_not_allow_is_403()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, agent => agent with { AllowedActions = ["hangup"] });
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        var credential = live.Bot.Headers[SessionCredentials.HeaderName];

        var transfer = await lab.CallControlAsync(live.Call.CallControlId, "transfer", credential, """{"to":"+13125550123"}""");
        var unknown = await lab.CallControlAsync(live.Call.CallControlId, "streaming_start", credential, """{"stream_url":"wss://evil.example.com"}""");

        CallControlAssert.Error(transfer, HttpStatusCode.Forbidden, "gateway_action_not_allowed", "Action not allowed",
            "Agent 'support.acme' may not use 'transfer'; allowed: hangup.");
        Assert.Equal(HttpStatusCode.Forbidden, unknown.Status);
        Assert.Empty(lab.Telnyx.Requests);

        var hangup = await lab.CallControlAsync(live.Call.CallControlId, "hangup", credential);
        Assert.Equal(HttpStatusCode.OK, hangup.Status);
        Assert.Equal($"/v2/calls/{live.Call.CallControlId}/actions/hangup", Assert.Single(lab.Telnyx.Requests).RawTarget);
    }

    [Fact]
    public async Task An_action_is_matched_exactly()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        var response = await lab.CallControlAsync(live.Call.CallControlId, "HANGUP", live.Bot.Headers[SessionCredentials.HeaderName]);

        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task An_organization_without_a_telnyx_key_is_403()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        (await lab.Admin.DeleteAsync("/admin/v1/orgs/acme/telnyx")).AssertStatus(HttpStatusCode.NoContent);

        var response = await lab.CallControlAsync(live.Call.CallControlId, "hangup", live.Bot.Headers[SessionCredentials.HeaderName]);

        CallControlAssert.Error(response, HttpStatusCode.Forbidden, "gateway_telnyx_not_configured", "Telnyx not configured",
            "Organization 'acme' has no Telnyx API key in the gateway.");
        Assert.Empty(lab.Telnyx.Requests);
    }
}

/// <summary>Telnyx's error shape, as the gateway writes its own refusals.</summary>
internal static class CallControlAssert
{
    public static void Error(CallControlResponse response, HttpStatusCode status, string code, string title, string detail)
    {
        Assert.True(status == response.Status, $"expected {(int)status}, got {(int)response.Status}: {response.Text}");
        Assert.Equal("application/json", response.ContentType);
        var root = JsonDocument.Parse(response.Body).RootElement;
        Assert.Equal(["errors"], root.EnumerateObject().Select(p => p.Name));
        var error = Assert.Single(root.GetProperty("errors").EnumerateArray());
        Assert.Equal(["code", "title", "detail"], error.EnumerateObject().Select(p => p.Name));
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(title, error.GetProperty("title").GetString());
        Assert.Equal(detail, error.GetProperty("detail").GetString());
    }
}
