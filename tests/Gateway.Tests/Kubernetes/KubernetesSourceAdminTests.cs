using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Kubernetes;

/// <summary>
/// The agent's <c>kubernetes</c> source through the admin API: validated field by field with Kubernetes' name rules,
/// refused whole on a gateway without Kubernetes access, read back as written, and its pods listed on their own route.
/// </summary>
public sealed class KubernetesSourceAdminTests(KubernetesSourceAdminTests.Fixture fixture) : IClassFixture<KubernetesSourceAdminTests.Fixture>
{
    private const string Agent = "/admin/v1/orgs/acme/agents/support";

    public static TheoryData<string, string, string[]> InvalidSources => new()
    {
        { "port 0", """{"namespace":"bots","service":"support-bot","port":0}""", ["kubernetes.port"] },
        { "port 65536", """{"namespace":"bots","service":"support-bot","port":65536}""", ["kubernetes.port"] },
        { "port name with an underscore", """{"namespace":"bots","service":"support-bot","port":"web_socket"}""", ["kubernetes.port"] },
        { "port number written as a name", """{"namespace":"bots","service":"support-bot","port":"8080"}""", ["kubernetes.port"] },
        { "port of another JSON type", """{"namespace":"bots","service":"support-bot","port":true}""", ["kubernetes.port"] },
        { "port a fraction", """{"namespace":"bots","service":"support-bot","port":80.5}""", ["kubernetes.port"] },
        { "port missing", """{"namespace":"bots","service":"support-bot"}""", ["kubernetes.port"] },
        { "namespace upper-case", """{"namespace":"Bots","service":"support-bot","port":8080}""", ["kubernetes.namespace"] },
        { "namespace of 64 characters", $$"""{"namespace":"{{new string('n', 64)}}","service":"support-bot","port":8080}""", ["kubernetes.namespace"] },
        { "namespace missing", """{"service":"support-bot","port":8080}""", ["kubernetes.namespace"] },
        { "service starting with a digit", """{"namespace":"bots","service":"1-bot","port":8080}""", ["kubernetes.service"] },
        { "service with a dot", """{"namespace":"bots","service":"support.bot","port":8080}""", ["kubernetes.service"] },
        { "scheme http", """{"namespace":"bots","service":"support-bot","port":8080,"scheme":"http"}""", ["kubernetes.scheme"] },
        { "scheme upper-case", """{"namespace":"bots","service":"support-bot","port":8080,"scheme":"WSS"}""", ["kubernetes.scheme"] },
        { "path without a slash", """{"namespace":"bots","service":"support-bot","port":8080,"path":"ws"}""", ["kubernetes.path"] },
        { "path with a fragment", """{"namespace":"bots","service":"support-bot","port":8080,"path":"/ws#x"}""", ["kubernetes.path"] },
        { "capacity 0", """{"namespace":"bots","service":"support-bot","port":8080,"capacity":0}""", ["kubernetes.capacity"] },
        { "capacity 10001", """{"namespace":"bots","service":"support-bot","port":8080,"capacity":10001}""", ["kubernetes.capacity"] },
        { "an unknown field", """{"namespace":"bots","service":"support-bot","port":8080,"replicas":3}""", ["kubernetes.replicas"] },
        { "several fields", """{"namespace":"Bots","service":"9","port":0,"scheme":"tcp"}""", ["kubernetes.namespace", "kubernetes.port", "kubernetes.scheme", "kubernetes.service"] },
    };

    [Theory]
    [MemberData(nameof(InvalidSources))]
    public async Task An_invalid_source_is_refused_naming_each_field_at_fault(string why, string source, string[] fields)
    {
        _ = why;

        var response = await fixture.WithAccess.PutAsync(Agent, $$"""{"kubernetes":{{source}}}""");

        Assert.Equal(fields, response.ValidationErrors());
        (await fixture.WithAccess.GetAsync(Agent)).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_gateway_without_Kubernetes_access_refuses_a_source_naming_the_field()
    {
        var response = await fixture.WithoutAccess.PutAsync(Agent, """{"kubernetes":{"namespace":"bots","service":"support-bot","port":8080}}""");

        Assert.Equal(["kubernetes"], response.ValidationErrors());
        Assert.StartsWith("this gateway has no Kubernetes access", response.Json.GetProperty("errors").GetProperty("kubernetes")[0].GetString(), StringComparison.Ordinal);
        (await fixture.WithoutAccess.GetAsync(Agent)).AssertProblem(HttpStatusCode.NotFound, "not_found");

        // Field errors are named beside it.
        var both = await fixture.WithoutAccess.PutAsync(Agent, """{"kubernetes":{"namespace":"bots","service":"support-bot","port":0}}""");
        Assert.Equal(["kubernetes", "kubernetes.port"], both.ValidationErrors());
    }

    [Fact]
    public async Task A_source_is_stored_and_read_back_as_written_with_its_defaults_beside_static_instances()
    {
        const string Written = """{"instances":[{"id":"fixed","url":"ws://127.0.0.1:9/ws"}],"kubernetes":{"namespace":"bots","service":"support-bot","port":"ws"}}""";
        var put = await fixture.WithAccess.PutAsync("/admin/v1/orgs/acme/agents/mixed", Written);

        put.AssertStatus(HttpStatusCode.Created);
        var read = (await fixture.WithAccess.GetAsync("/admin/v1/orgs/acme/agents/mixed")).AssertStatus(HttpStatusCode.OK).Json;
        Assert.Equal(
            """{"namespace":"bots","service":"support-bot","port":"ws","path":"/ws","scheme":"ws","capacity":1}""",
            read.GetProperty("kubernetes").GetRawText());
        Assert.Equal(1, read.GetProperty("instances").GetArrayLength());
        var numbered = await fixture.WithAccess.PutAsync("/admin/v1/orgs/acme/agents/numbered", """{"kubernetes":{"namespace":"bots","service":"b","port":8080,"path":"/bot?lang=en","scheme":"wss","capacity":4}}""");
        Assert.Equal(
            """{"namespace":"bots","service":"b","port":8080,"path":"/bot?lang=en","scheme":"wss","capacity":4}""",
            numbered.AssertStatus(HttpStatusCode.Created).Json.GetProperty("kubernetes").GetRawText());

        // An agent without one is written as before: no kubernetes member at all.
        var plain = await fixture.WithAccess.PutAsync("/admin/v1/orgs/acme/agents/plain", "{}");
        Assert.False(plain.AssertStatus(HttpStatusCode.Created).Json.TryGetProperty("kubernetes", out _));
    }

    [Fact]
    public async Task The_instances_route_lists_static_instances_then_discovered_pods_with_the_watch_state()
    {
        fixture.Api.Apply(FakeEndpointSlice.ForPod("bots", "listed-bot", "listed-bot-7d9f-x2x", 8081));
        fixture.Api.Apply(FakeEndpointSlice.ForPod("bots", "listed-bot", "listed-bot-7d9f-q8z", 8082, ready: false));
        await fixture.WithAccess.PutAsync("/admin/v1/orgs/acme/agents/listed", """{"instances":[{"id":"fixed","url":"ws://127.0.0.1:9/ws","capacity":2}],"kubernetes":{"namespace":"bots","service":"listed-bot","port":"ws","capacity":3}}""");

        JsonElement list = default;
        await Wait.UntilAsync(
            async () =>
            {
                list = (await fixture.WithAccess.GetAsync("/admin/v1/orgs/acme/agents/listed/instances")).AssertStatus(HttpStatusCode.OK).Json;
                // The pods can be listed a moment before the watch on them is established (in sync).
                return list.GetProperty("instances").GetArrayLength() == 2 && list.GetProperty("kubernetes").GetProperty("inSync").GetBoolean();
            },
            "the pod is listed and its watch in sync");

        Assert.Equal(
            """[{"id":"fixed","url":"ws://127.0.0.1:9/ws","capacity":2,"source":"static","expiresAt":null},{"id":"listed-bot-7d9f-x2x","url":"ws://127.0.0.1:8081/ws","capacity":3,"source":"kubernetes","expiresAt":null}]""",
            list.GetProperty("instances").GetRawText());
        var kubernetes = list.GetProperty("kubernetes");
        Assert.Equal("bots", kubernetes.GetProperty("namespace").GetString());
        Assert.Equal("listed-bot", kubernetes.GetProperty("service").GetString());
        Assert.True(kubernetes.GetProperty("watched").GetBoolean());
        Assert.True(kubernetes.GetProperty("inSync").GetBoolean());
        Assert.Equal(0, kubernetes.GetProperty("stalenessSeconds").GetDouble());
        Assert.Equal(JsonValueKind.Null, kubernetes.GetProperty("lastError").ValueKind);

        // The agent itself still reads as written: its source, not its pods.
        var agent = (await fixture.WithAccess.GetAsync("/admin/v1/orgs/acme/agents/listed")).Json;
        Assert.Equal("fixed", Assert.Single(agent.GetProperty("instances").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task The_instances_route_of_an_agent_without_a_source_has_no_kubernetes_state()
    {
        await fixture.WithoutAccess.PutAsync("/admin/v1/orgs/acme/agents/static", """{"instances":[{"id":"fixed","url":"ws://127.0.0.1:9/ws"}]}""");

        var list = (await fixture.WithoutAccess.GetAsync("/admin/v1/orgs/acme/agents/static/instances")).AssertStatus(HttpStatusCode.OK);

        Assert.Equal("""{"instances":[{"id":"fixed","url":"ws://127.0.0.1:9/ws","capacity":1,"source":"static","expiresAt":null}],"kubernetes":null}""", list.Body);
        (await fixture.WithoutAccess.GetAsync("/admin/v1/orgs/acme/agents/nobody/instances")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    /// <summary>Two embedded gateways trusting the test tokens: one reaching a fake API server, one with no Kubernetes access.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayHost _withAccess = null!;
        private GatewayHost _withoutAccess = null!;

        public FakeKubernetesApi Api { get; private set; } = null!;

        public AdminClient WithAccess { get; private set; } = null!;

        public AdminClient WithoutAccess { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Api = await FakeKubernetesApi.StartAsync();
            _withAccess = await GatewayHost.StartAsync(settings: AdminTokens.Settings(TwoReplicasWithPodsTest.KubernetesSettings(Api)));
            _withoutAccess = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
            WithAccess = new AdminClient(_withAccess, AdminTokens.PlatformAdmin());
            WithoutAccess = new AdminClient(_withoutAccess, AdminTokens.PlatformAdmin());
        }

        public async Task DisposeAsync()
        {
            await _withAccess.DisposeAsync();
            await _withoutAccess.DisposeAsync();
            await Api.DisposeAsync();
        }
    }
}
