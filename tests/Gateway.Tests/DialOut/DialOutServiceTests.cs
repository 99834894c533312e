using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Claims;
using Gateway.Core;
using Gateway.DialOut;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Credentials;
using Gateway.Telnyx;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.DialOut;

/// <summary>
/// <see cref="DialOutService"/> with its real steps over in-process stores, and Telnyx's API as a canned answer: what
/// is refused before Telnyx hears of it, what Telnyx's answers become, and when the reserved instance is given back.
/// </summary>
public sealed class DialOutServiceTests
{
    private const string Dial = """{"to":"+13125550100","from":"+13125550199","body":{"lang":"en-US"}}""";

    private static readonly AgentKey Support = new("acme", "support");

    private readonly EmbeddedAgentRegistry _registry = new(new Dictionary<AgentKey, AgentResource>
    {
        [Support] = new AgentResource { Instances = [new AgentInstance { Id = "bot-1", Url = new Uri("ws://bot:8765/ws") }] },
        [new AgentKey("acme", "paused")] = new AgentResource { Enabled = false },
        [new AgentKey("acme", "terse")] = new AgentResource { BodyMaxBytes = 8 },
    });

    private readonly InMemoryTenantSettingsStore _tenants = new();
    private readonly LocalInstanceClaims _claims = new(TimeProvider.System);
    private readonly List<HttpRequestMessage> _sent = [];
    private Func<HttpResponseMessage> _telnyx = () => Answer(HttpStatusCode.OK, """{"data":{"call_control_id":"v3:abc","call_session_id":"cs-1","call_leg_id":"leg-1"}}""");

    public DialOutServiceTests() =>
        _tenants.PutAsync("acme", new TenantTelnyxSettings { ApiKey = "KEY-acme", ConnectionId = "1234", UpdatedAt = DateTimeOffset.UtcNow }).GetAwaiter().GetResult();

    [Fact]
    public async Task A_placed_call_is_201_with_its_session_and_Telnyx_got_the_tenants_key_and_a_stream_back_here()
    {
        var answer = await PlaceAsync(Dial);

        answer.AssertStatus(HttpStatusCode.Created);
        Assert.Equal("v3:abc", answer.Json.GetProperty("callControlId").GetString());
        Assert.True(Guid.TryParse(answer.Json.GetProperty("sessionId").GetString(), out _));
        var request = Assert.Single(_sent);
        Assert.Equal("https://api.telnyx.test/v2/calls", request.RequestUri!.AbsoluteUri);
        Assert.Equal("Bearer KEY-acme", request.Headers.Authorization!.ToString());
        var sent = JsonDocument.Parse(await request.Content!.ReadAsStringAsync()).RootElement;
        Assert.Equal("1234", sent.GetProperty("connection_id").GetString());
        Assert.StartsWith("wss://gateway.test/ws/telnyx?serviceHost=support.acme&body=", sent.GetProperty("stream_url").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, _claims.Count);
    }

    [Theory]
    [InlineData("support", """{"to":"5550100","from":"+13125550199","body":[]}""", HttpStatusCode.BadRequest, "validation_failed")]
    [InlineData("nobody", Dial, HttpStatusCode.NotFound, "not_found")]
    [InlineData("paused", Dial, HttpStatusCode.Forbidden, "agent_disabled")]
    [InlineData("terse", Dial, HttpStatusCode.BadRequest, "invalid_body")]
    [InlineData("Support", Dial, HttpStatusCode.BadRequest, "validation_failed")]
    public async Task A_call_refused_before_Telnyx_reserves_nothing(string agent, string json, HttpStatusCode status, string code)
    {
        var answer = await PlaceAsync(json, agent);

        answer.AssertProblem(status, code);
        Assert.Empty(_sent);
        Assert.Equal(0, _claims.Count);
    }

    [Fact]
    public async Task No_Telnyx_key_for_the_organization_is_409()
    {
        await _tenants.DeleteAsync("acme");

        var answer = await PlaceAsync(Dial);

        answer.AssertProblem(HttpStatusCode.Conflict, "telnyx_not_configured");
        Assert.Empty(_sent);
    }

    [Fact]
    public async Task Telnyx_refusing_keeps_its_status_and_code_and_gives_the_instance_back()
    {
        _telnyx = () => Answer(HttpStatusCode.UnprocessableEntity, """{"errors":[{"code":"10015","title":"Invalid 'to'","detail":"The 'to' number is not dialable."}]}""");

        var answer = await PlaceAsync(Dial);

        answer.AssertProblem(HttpStatusCode.UnprocessableEntity, "telnyx_error");
        Assert.Equal("10015", answer.Json.GetProperty("telnyxCode").GetString());
        Assert.Equal(0, _claims.Count);
    }

    [Fact]
    public async Task Telnyx_unreachable_is_502_and_gives_the_instance_back()
    {
        _telnyx = () => throw new HttpRequestException("Connection refused");

        (await PlaceAsync(Dial)).AssertProblem(HttpStatusCode.BadGateway, "telnyx_unreachable");
        Assert.Equal(0, _claims.Count);
    }

    [Fact]
    public async Task Telnyx_too_slow_is_504_and_keeps_the_instance_for_a_call_it_may_have_placed()
    {
        _telnyx = () => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout");

        (await PlaceAsync(Dial)).AssertProblem(HttpStatusCode.GatewayTimeout, "telnyx_timeout");
        Assert.Equal(1, _claims.Count);
    }

    private async Task<AdminResponse> PlaceAsync(string json, string agent = "support")
    {
        var time = TimeProvider.System;
        var tokenOptions = Options.Create(new StreamTokenOptions());
        var reservations = new DialOutReservation(_claims, tokenOptions, time);
        var http = new HttpClient(new StubHandler(this));
        var telnyxOptions = Options.Create(new TelnyxOptions { ApiBaseUrl = new Uri("https://api.telnyx.test") });
        var service = new DialOutService(
            _registry,
            _tenants,
            reservations,
            new StreamTokens(new EphemeralDataProtectionProvider(), new InMemorySpentStreamTokens(time), tokenOptions, time),
            new TelnyxDialer(new TelnyxApiClient(http, telnyxOptions), reservations, NullLogger<DialOutRequest>.Instance),
            Options.Create(new GatewayOptions()),
            telnyxOptions,
            Options.Create(new IngressOptions()),
            time,
            NullLogger<DialOutRequest>.Instance);
        var context = EdgeRequests.Create("POST", $"/v1/orgs/acme/agents/{agent}/calls", json);
        return await context.AnswerAsync(await service.PlaceAsync(new DialOutCall("acme", agent, context)));
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private sealed class StubHandler(DialOutServiceTests test) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            // Kept readable after the client disposes the request.
            var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Content = new StringContent(await request.Content!.ReadAsStringAsync(cancellationToken)) };
            copy.Headers.Authorization = request.Headers.Authorization;
            test._sent.Add(copy);
            return test._telnyx();
        }
    }
}
