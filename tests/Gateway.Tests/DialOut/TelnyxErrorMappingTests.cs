using System.Net;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.DialOut;

/// <summary>What the dial-out caller gets when Telnyx refuses the call, fails, or cannot be reached.</summary>
public sealed class TelnyxErrorMappingTests
{
    private const string Dial = """{"to":"+13125550100","from":"+13125550199"}""";

    [Theory]
    [InlineData(401, "10009", "Authentication failed", "The API key is not valid.")]
    [InlineData(403, "10010", "Authorization failed", "The connection does not allow outbound calls.")]
    [InlineData(422, "10015", "Invalid phone number", "The 'to' number is not a valid phone number.")]
    [InlineData(429, "10011", "Too many requests", "Rate limit exceeded.")]
    public async Task A_telnyx_refusal_keeps_its_status_and_code(int status, string code, string title, string detail)
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        lab.Telnyx.AnswerAll(status, $$"""{"errors":[{"code":"{{code}}","title":"{{title}}","detail":"{{detail}}"}]}""");

        var response = await lab.DialAsync(Dial);

        response.AssertProblem((HttpStatusCode)status, "telnyx_error");
        var problem = response.Json;
        Assert.Equal(title, problem.GetProperty("title").GetString());
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
        Assert.Equal(status, problem.GetProperty("telnyxStatus").GetInt32());
        Assert.Equal(code, problem.GetProperty("telnyxCode").GetString());
        Assert.Single(lab.Telnyx.Requests);
        Assert.Equal(0, await lab.Gateway.ClaimCountAsync(TelnyxApiLab.Support));
    }

    [Fact]
    public async Task A_telnyx_failure_is_502_with_its_status()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        lab.Telnyx.AnswerAll(500, """{"errors":[{"code":"10007","title":"Unexpected error","detail":"An unexpected error occurred."}]}""");

        var response = await lab.DialAsync(Dial);

        response.AssertProblem(HttpStatusCode.BadGateway, "telnyx_error");
        var problem = response.Json;
        Assert.Equal(500, problem.GetProperty("telnyxStatus").GetInt32());
        Assert.Equal("10007", problem.GetProperty("telnyxCode").GetString());
        Assert.Equal("An unexpected error occurred.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_telnyx_error_that_is_not_json_still_maps()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        lab.Telnyx.AnswerAll(503, "<html><body>503 Service Temporarily Unavailable</body></html>");

        var response = await lab.DialAsync(Dial);

        response.AssertProblem(HttpStatusCode.BadGateway, "telnyx_error");
        var problem = response.Json;
        Assert.Equal(503, problem.GetProperty("telnyxStatus").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, problem.GetProperty("telnyxCode").ValueKind);
        Assert.Equal("Telnyx answered HTTP 503.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Telnyx_down_is_502_telnyx_unreachable()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await lab.Telnyx.StopAsync();

        var response = await lab.DialAsync(Dial);

        response.AssertProblem(HttpStatusCode.BadGateway, "telnyx_unreachable");
        Assert.Equal("The call was not placed: Telnyx's API could not be reached.", response.Json.GetProperty("detail").GetString());
        Assert.Equal(0, await lab.Gateway.ClaimCountAsync(TelnyxApiLab.Support));
    }

    [Theory]
    [InlineData("KEY0193A8B2C4D5E6F7_abc…")]
    [InlineData("KEY0193A8B2\nC4D5")]
    public async Task A_stored_key_no_header_can_carry_is_500_not_sent_and_Telnyx_never_asked(string apiKey)
    {
        // A key stored before keys were checked on write: the request cannot leave the gateway.
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await lab.Gateway.Services.GetRequiredService<ITenantSettingsStore>().PutAsync("acme", new TenantTelnyxSettings { ApiKey = apiKey, ConnectionId = TelnyxApiLab.AcmeConnectionId });

        var response = await lab.DialAsync(Dial);

        response.AssertProblem(HttpStatusCode.InternalServerError, "telnyx_request_not_sent");
        Assert.Equal(
            "The call was not placed: organization 'acme''s Telnyx API key holds characters an HTTP header cannot carry; set it again (PATCH /admin/v1/orgs/acme/telnyx).",
            response.Json.GetProperty("detail").GetString());
        Assert.Empty(lab.Telnyx.Requests);
        Assert.Equal(0, await lab.Gateway.ClaimCountAsync(TelnyxApiLab.Support));
    }
}
