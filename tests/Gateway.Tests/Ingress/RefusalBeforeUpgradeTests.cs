using System.Net;
using Gateway.Calls;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Ingress;

/// <summary>
/// Everything the URL alone decides is answered before the 101 with problem+json, so Telnyx reports the stream as
/// failed and TeXML moves to its next verb; no bot connection and no claim may be left behind.
/// </summary>
public sealed class RefusalBeforeUpgradeTests : GatewayWithBotTest
{
    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await Gateway.PutAgentAsync(Support, new AgentResource
        {
            BodyMaxBytes = 32,
            Instances = [new AgentInstance { Id = "bot-1", Url = Bot.WsUri, Capacity = 1 }],
        });
        await PutPausedAgentAsync();
    }

    [Fact]
    public async Task A_plain_GET_is_400_not_websocket()
    {
        await AssertRefusedAsync(TestCalls.SupportQuery, HttpStatusCode.BadRequest, "not_websocket", upgrade: false);
    }

    [Fact]
    public async Task An_HTTP_1_0_upgrade_is_400_not_websocket()
    {
        // RFC 6455 takes the opening handshake over HTTP/1.1 only; HttpClient will not send this, so it goes raw.
        var response = await RawUpgradeRequest.SendAsync(Gateway.CallUri(TestCalls.SupportQuery), "HTTP/1.0");

        Assert.Equal("HTTP/1.1 400 Bad Request", response.StatusLine);
        Assert.Equal("application/problem+json", response.ContentType);
        var problem = response.Problem;
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.Equal("not_websocket", problem.GetProperty("code").GetString());
        Assert.Equal("A WebSocket upgrade takes HTTP/1.1 (RFC 6455); this request is HTTP/1.0.", problem.GetProperty("detail").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("sessionId").GetString()));
        Assert.Equal(0, Bot.TotalConnections);
        Assert.Equal(0, await Gateway.ClaimCountAsync(Support));
    }

    [Theory]
    [InlineData("serviceHost=support")]
    [InlineData("serviceHost=sup_port.acme")]
    [InlineData("serviceHost=support.ac.me")]
    [InlineData("serviceHost=-support.acme")]
    [InlineData("serviceHost=")]
    public async Task A_malformed_serviceHost_is_400(string query)
    {
        await AssertRefusedAsync(query, HttpStatusCode.BadRequest, "invalid_service_host");
    }

    [Theory]
    [InlineData("not*base64")]
    [InlineData("bm90IGpzb24=")] // "not json"
    [InlineData("WzEsMl0=")] // [1,2]: a body is a JSON object
    [InlineData("eyJhIjoiMDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5In0=")] // 41 bytes of JSON, over this agent's 32
    public async Task An_undecodable_or_oversized_body_is_400(string body)
    {
        await AssertRefusedAsync($"{TestCalls.SupportQuery}&body={Uri.EscapeDataString(body)}", HttpStatusCode.BadRequest, "invalid_body");
    }

    [Fact]
    public async Task An_unknown_agent_is_404()
    {
        await AssertRefusedAsync("serviceHost=sales.acme", HttpStatusCode.NotFound, "unknown_agent");
    }

    [Fact]
    public async Task A_disabled_agent_is_403()
    {
        await AssertRefusedAsync("serviceHost=paused.acme", HttpStatusCode.Forbidden, "agent_disabled");
    }

    [Fact]
    public async Task An_agent_at_its_call_limit_is_429()
    {
        await Gateway.PutAgentAsync(Support, new AgentResource
        {
            MaxConcurrentCalls = 1,
            Instances = [new AgentInstance { Id = "bot-1", Url = Bot.WsUri, Capacity = 5 }],
        });
        await using var first = await TestCalls.ConnectAsync(Gateway, Bot);

        await AssertRefusedAsync(TestCalls.SupportQuery, HttpStatusCode.TooManyRequests, "agent_at_limit", expectedClaims: 1, expectedBotConnections: 1);
    }

    [Fact]
    public async Task No_instance_with_free_capacity_is_503()
    {
        await using var first = await TestCalls.ConnectAsync(Gateway, Bot);

        await AssertRefusedAsync(TestCalls.SupportQuery, HttpStatusCode.ServiceUnavailable, "no_capacity", expectedClaims: 1, expectedBotConnections: 1);
    }

    [Fact]
    public async Task Instances_that_all_refuse_the_connection_are_503_and_release_their_claims()
    {
        await Gateway.PutAgentAsync(Support, new AgentResource
        {
            Instances =
            [
                new AgentInstance { Id = "gone-1", Url = new Uri("ws://127.0.0.1:9/ws") },
                new AgentInstance { Id = "gone-2", Url = new Uri($"ws://{Bot.WsUri.Authority}/not-a-bot") },
            ],
        });

        await AssertRefusedAsync(TestCalls.SupportQuery, HttpStatusCode.ServiceUnavailable, "bot_unreachable");
        Assert.Contains(Gateway.Logs.Lines, l => l.Contains("instance gone-2", StringComparison.Ordinal) && l.Contains("HTTP status 404", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_refusing_instance_is_skipped_for_the_next_one()
    {
        await Gateway.PutAgentAsync(Support, new AgentResource
        {
            Instances =
            [
                new AgentInstance { Id = "gone", Url = new Uri("ws://127.0.0.1:9/ws"), Capacity = 1 },
                new AgentInstance { Id = "alive", Url = Bot.WsUri, Capacity = 1 },
            ],
        });

        await using var call = await TestCalls.ConnectAsync(Gateway, Bot);
        var session = Assert.Single(await Gateway.Sessions.ListAsync("acme"));
        Assert.Equal("alive", session.InstanceId);
        Assert.Equal(1, await Gateway.ClaimCountAsync(Support));
    }

    [Fact]
    public async Task A_drainingGateway_answers_503_and_keeps_listening()
    {
        await Gateway.Services.GetRequiredService<GatewayDrain>().StoppingAsync(CancellationToken.None);

        await AssertRefusedAsync(TestCalls.SupportQuery, HttpStatusCode.ServiceUnavailable, "draining");
    }

    private async Task AssertRefusedAsync(string query, HttpStatusCode status, string code, bool upgrade = true, long expectedClaims = 0, int expectedBotConnections = 0)
    {
        var (actual, contentType, problem) = await UpgradeRequest.SendAsync(Gateway.CallUri(query), upgrade);

        Assert.Equal(status, actual);
        Assert.Equal("application/problem+json", contentType);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.Equal(expectedBotConnections, Bot.TotalConnections);
        Assert.Equal(expectedClaims, await Gateway.ClaimCountAsync(Support));
    }
}
