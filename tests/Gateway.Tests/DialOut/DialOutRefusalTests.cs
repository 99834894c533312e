using System.Net;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.DialOut;

/// <summary>Every dial-out the gateway refuses is refused before Telnyx hears of it: no call is placed that no bot could take.</summary>
public sealed class DialOutRefusalTests
{
    private const string Dial = """{"to":"+13125550100","from":"+13125550199"}""";

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task An_agent_at_its_call_limit_is_429_and_nothing_is_dialed(GatewayMode mode)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode, agent => agent with { MaxConcurrentCalls = 1 });
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        var response = await lab.DialAsync(Dial);

        response.AssertProblem(HttpStatusCode.TooManyRequests, "agent_at_limit");
        Assert.Equal("Agent 'support.acme' already holds its 1 concurrent calls.", response.Json.GetProperty("detail").GetString());
        Assert.Empty(lab.Telnyx.Requests);
        Assert.Equal(1, await lab.Gateway.ClaimCountAsync(TelnyxApiLab.Support));
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Instances_all_busy_is_503_and_nothing_is_dialed(GatewayMode mode)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode, agent => WithCapacity(agent, 1));
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        var response = await lab.DialAsync(Dial);

        response.AssertProblem(HttpStatusCode.ServiceUnavailable, "no_capacity");
        Assert.Empty(lab.Telnyx.Requests);
        Assert.Equal(1, await lab.Gateway.ClaimCountAsync(TelnyxApiLab.Support));
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Only_lapsed_instances_is_503_and_nothing_is_dialed(GatewayMode mode)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode, agent => agent with
        {
            Instances = [agent.Instances[0] with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }],
        });

        var response = await lab.DialAsync(Dial);

        response.AssertProblem(HttpStatusCode.ServiceUnavailable, "no_capacity");
        Assert.Empty(lab.Telnyx.Requests);
        Assert.Equal(0, await lab.Gateway.ClaimCountAsync(TelnyxApiLab.Support));
    }

    [Fact]
    public async Task An_agent_with_no_instance_is_503_and_nothing_is_dialed()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, agent => agent with { Instances = [] });

        (await lab.DialAsync(Dial)).AssertProblem(HttpStatusCode.ServiceUnavailable, "no_capacity");
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task An_unknown_agent_is_404_and_a_disabled_one_403()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await lab.Gateway.PutAgentAsync(new AgentKey("acme", "paused"), lab.Agent() with { Enabled = false });

        var unknown = await lab.DialAsync(Dial, agent: "nobody");
        var disabled = await lab.DialAsync(Dial, agent: "paused");

        unknown.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("No agent 'nobody' in organization 'acme'.", unknown.Json.GetProperty("detail").GetString());
        disabled.AssertProblem(HttpStatusCode.Forbidden, "agent_disabled");
        Assert.Equal("Agent 'paused.acme' is disabled.", disabled.Json.GetProperty("detail").GetString());
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task An_organization_without_a_telnyx_key_is_409()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, tenantKey: false);

        var none = await lab.DialAsync(Dial);
        (await lab.PutTelnyxAsync("acme", apiKey: null, connectionId: TelnyxApiLab.AcmeConnectionId)).AssertStatus(HttpStatusCode.OK);
        var connectionOnly = await lab.DialAsync(Dial);

        none.AssertProblem(HttpStatusCode.Conflict, "telnyx_not_configured");
        Assert.Equal("Organization 'acme' has no Telnyx API key (and the platform none): PUT /admin/v1/orgs/acme/telnyx first.", none.Json.GetProperty("detail").GetString());
        connectionOnly.AssertProblem(HttpStatusCode.Conflict, "telnyx_not_configured");
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task The_platform_key_dials_for_an_organization_without_one_and_an_organizations_own_key_wins()
    {
        const string platformKey = "KEY_platform-account";
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, tenantKey: false, settings: new Dictionary<string, string?> { ["Telnyx:ApiKey"] = platformKey });
        (await lab.PutTelnyxAsync("acme", apiKey: null, connectionId: TelnyxApiLab.AcmeConnectionId)).AssertStatus(HttpStatusCode.OK);

        (await lab.DialAsync(Dial)).AssertStatus(HttpStatusCode.Created);
        (await lab.PutTelnyxAsync("acme", TelnyxApiLab.AcmeApiKey, TelnyxApiLab.AcmeConnectionId)).AssertStatus(HttpStatusCode.OK);
        (await lab.DialAsync(Dial)).AssertStatus(HttpStatusCode.Created);

        Assert.Equal(["Bearer " + platformKey, "Bearer " + TelnyxApiLab.AcmeApiKey], lab.Telnyx.Requests.Select(r => r.Authorization));
    }

    [Fact]
    public async Task No_connection_anywhere_is_400_on_connectionId()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, tenantKey: false);
        (await lab.PutTelnyxAsync("acme", TelnyxApiLab.AcmeApiKey, connectionId: null)).AssertStatus(HttpStatusCode.OK);

        var response = await lab.DialAsync(Dial);

        Assert.Equal(["connectionId"], response.ValidationErrors());
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Theory]
    [InlineData("""{"to":"13125550100","from":"+13125550199"}""", "to")]
    [InlineData("""{"to":"+13125550100","from":"+0125550199"}""", "from")]
    [InlineData("""{"to":"sip:alice@example.com","from":"+1312555019912345678"}""", "from,to")]
    [InlineData("""{"from":"+13125550199"}""", "to")]
    [InlineData("""{"to":"+13125550100","from":"+13125550199","body":[1,2]}""", "body")]
    [InlineData("""{"to":"+13125550100","from":"+13125550199","body":"eyJhIjoxfQ=="}""", "body")]
    [InlineData("""{"to":"+13125550100","from":"+13125550199","connectionId":"has space"}""", "connectionId")]
    [InlineData("""{"to":"+13125550100","from":"+13125550199","connectionId":""}""", "connectionId")]
    [InlineData("""{"to":"+13125550100","from":"+13125550199","webhookUrl":"https://example.com"}""", "webhookUrl")]
    public async Task Invalid_requests_are_400_naming_the_field(string json, string fields)
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);

        var response = await lab.DialAsync(json);

        Assert.Equal(fields.Split(','), response.ValidationErrors());
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task A_body_over_the_agents_limit_is_400_invalid_body()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, agent => agent with { BodyMaxBytes = 20 });

        // {"note":"0123456789"} is 21 bytes of JSON; {"note":"012345678"} is 20.
        var over = await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199","body":{"note":"0123456789"}}""");
        var atLimit = await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199","body":{"note":"012345678"}}""");

        over.AssertProblem(HttpStatusCode.BadRequest, "invalid_body");
        Assert.Equal("body is 21 bytes of JSON; agent 'support.acme' takes at most 20.", over.Json.GetProperty("detail").GetString());
        atLimit.AssertStatus(HttpStatusCode.Created);
        Assert.Single(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task A_body_over_the_gateways_ingress_limit_is_refused_too_since_ingress_would_refuse_its_stream()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, settings: new Dictionary<string, string?> { ["Ingress:BodyMaxBytes"] = "20" });

        var over = await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199","body":{"note":"0123456789"}}""");

        over.AssertProblem(HttpStatusCode.BadRequest, "invalid_body");
        Assert.Equal("body is 21 bytes of JSON; agent 'support.acme' takes at most 20.", over.Json.GetProperty("detail").GetString());
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task Tokens_are_checked_like_the_admin_apis()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);
        await lab.Gateway.PutAgentAsync(new AgentKey("globex", "support"), lab.Agent());

        var anonymous = await lab.DialAsync(Dial, client: new AdminClient(lab.Gateway, token: null));
        var forged = await lab.DialAsync(Dial, client: new AdminClient(lab.Gateway, AdminTokens.Mint("acme", platformAdmin: false, key: AdminTokens.ForgedKey)));
        var otherOrg = await lab.DialAsync(Dial, org: "globex");
        var nothing = await lab.DialAsync(Dial, client: new AdminClient(lab.Gateway, AdminTokens.Mint(org: null, platformAdmin: false)));

        anonymous.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        forged.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        otherOrg.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("No organization 'globex'.", otherOrg.Json.GetProperty("detail").GetString());
        nothing.AssertProblem(HttpStatusCode.Forbidden, "forbidden");
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415_or_400_invalid_json()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded);

        var form = await lab.Acme.SendAsync(HttpMethod.Post, "/v1/orgs/acme/agents/support/calls", json: null);
        var broken = await lab.DialAsync("""{"to":"+13125550100",""");

        form.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        broken.AssertProblem(HttpStatusCode.BadRequest, "invalid_json");
        Assert.Equal("The body is not valid JSON: it ends before the JSON value is complete at line 1, byte 22.", broken.Json.GetProperty("detail").GetString());
        Assert.Empty(lab.Telnyx.Requests);
    }

    private static AgentResource WithCapacity(AgentResource agent, int capacity) =>
        agent with { Instances = [agent.Instances[0] with { Capacity = capacity }] };
}
