using System.Net;
using System.Text.Json;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Sessions;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Admin;

/// <summary>
/// Every admin route against every kind of caller: a platform admin and the org's own token succeed, another org's
/// token meets a 404 indistinguishable from a missing organization and changes nothing, bad tokens (expired, forged, unsigned, for another issuer or audience) meet 401 and a token
/// that grants nothing meets 403. The state is rebuilt before each case, so each case is judged on its own.
/// </summary>
public sealed class OrgIsolationTests(OrgIsolationTests.Fixture fixture) : IClassFixture<OrgIsolationTests.Fixture>
{
    private const string MergePatch = "application/merge-patch+json";

    private const string SessionId = "5f0c3c9e-0000-4000-8000-00000000acme";

    /// <summary>Each route with what its own org's token gets (acme's resources exist before every case).</summary>
    private static readonly AdminRoute[] Routes =
    [
        new("GET", "/admin/v1/orgs", null, HttpStatusCode.OK, OrgScoped: false),
        new("GET", "/admin/v1/orgs/acme/agents", null, HttpStatusCode.OK),
        new("GET", "/admin/v1/orgs/acme/agents/support", null, HttpStatusCode.OK),
        new("PUT", "/admin/v1/orgs/acme/agents/support", """{"maxConcurrentCalls":7,"phoneNumbers":["+15550001001"]}""", HttpStatusCode.OK),
        new("PATCH", "/admin/v1/orgs/acme/agents/support", """{"maxConcurrentCalls":9}""", HttpStatusCode.OK, ContentType: MergePatch),
        new("DELETE", "/admin/v1/orgs/acme/agents/support", null, HttpStatusCode.NoContent),
        new("GET", "/admin/v1/orgs/acme/agents/support/instances", null, HttpStatusCode.OK),
        new("PUT", "/admin/v1/orgs/acme/agents/support/instances/bot-2", """{"url":"ws://127.0.0.1:9/ws","capacity":2}""", HttpStatusCode.Created),
        new("DELETE", "/admin/v1/orgs/acme/agents/support/instances/bot-1", null, HttpStatusCode.NoContent),
        new("GET", "/admin/v1/orgs/acme/agents/support/hold-audio", null, HttpStatusCode.OK),
        new("PUT", "/admin/v1/orgs/acme/agents/support/hold-audio", null, HttpStatusCode.OK, ContentType: "audio/wav") { Bytes = TestWavs.Pcm(TestWavs.Tone(0.5)) },
        new("DELETE", "/admin/v1/orgs/acme/agents/support/hold-audio", null, HttpStatusCode.NoContent),
        new("GET", "/admin/v1/orgs/acme/sessions", null, HttpStatusCode.OK),
        new("GET", $"/admin/v1/orgs/acme/sessions/{SessionId}", null, HttpStatusCode.OK),
        new("PUT", "/admin/v1/orgs/acme/telnyx", """{"apiKey":"KEY-changed","connectionId":"conn-2"}""", HttpStatusCode.OK),
        new("PATCH", "/admin/v1/orgs/acme/telnyx", """{"connectionId":"conn-3"}""", HttpStatusCode.OK, ContentType: MergePatch),
        new("GET", "/admin/v1/orgs/acme/telnyx", null, HttpStatusCode.OK),
        new("DELETE", "/admin/v1/orgs/acme/telnyx", null, HttpStatusCode.NoContent),
        new("GET", "/admin/v1/orgs/acme/numbers", null, HttpStatusCode.OK),
    ];

    private static readonly string[] Callers =
    [
        "platform admin", "own org", "other org", "no token", "expired token", "forged signature", "unsigned", "wrong audience", "wrong issuer",
        "no org and no role",
    ];

    public static TheoryData<string, string> Matrix()
    {
        var data = new TheoryData<string, string>();
        foreach (var route in Routes)
        {
            foreach (var caller in Callers)
            {
                data.Add(route.Name, caller);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Each_route_answers_each_caller(string routeName, string caller)
    {
        var route = Routes.Single(r => r.Name == routeName);
        await fixture.ArrangeAsync();
        var before = await fixture.AcmeStateAsync();
        var client = new AdminClient(fixture.Gateway, fixture.Tokens[caller]);

        var response = await route.SendAsync(client);

        var after = await fixture.AcmeStateAsync();
        switch (caller)
        {
            case "platform admin" or "own org":
                response.AssertStatus(route.Success);
                if (route.Method == "GET")
                {
                    Assert.Equal(before, after);
                }
                else
                {
                    Assert.NotEqual(before, after);
                }

                if (!route.OrgScoped)
                {
                    Assert.Equal(caller == "own org" ? """{"orgs":[{"name":"acme","agents":1}]}""" : """{"orgs":[{"name":"acme","agents":1},{"name":"globex","agents":1}]}""", response.Body);
                }

                break;

            case "other org" when !route.OrgScoped:
                // The organization list is not scoped by a path: it lists only what the token manages.
                response.AssertStatus(HttpStatusCode.OK);
                Assert.Equal("""{"orgs":[{"name":"globex","agents":1}]}""", response.Body);
                break;

            case "other org":
                response.AssertProblem(HttpStatusCode.NotFound, "not_found");
                await AssertIndistinguishableFromMissingAsync(client, route, response);
                Assert.Equal(before, after);
                break;

            case "no org and no role":
                response.AssertProblem(HttpStatusCode.Forbidden, "forbidden");
                Assert.Equal(before, after);
                break;

            default:
                response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
                Assert.StartsWith("Bearer", response.Headers["WWW-Authenticate"], StringComparison.Ordinal);
                Assert.Equal(before, after);
                break;
        }
    }

    [Fact]
    public void The_matrix_covers_every_mapped_admin_route()
    {
        var mapped = fixture.Gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/admin/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {e.RoutePattern.RawText}"))
            .Order(StringComparer.Ordinal);
        var covered = Routes
            .Select(r => $"{r.Method} {r.Path.Replace("/acme", "/{org}", StringComparison.Ordinal).Replace("/support", "/{agent}", StringComparison.Ordinal).Replace("/bot-2", "/{id}", StringComparison.Ordinal).Replace("/bot-1", "/{id}", StringComparison.Ordinal).Replace(SessionId, "{sessionId}", StringComparison.Ordinal)}")
            .Order(StringComparer.Ordinal);

        Assert.Equal(mapped, covered);
    }

    /// <summary>
    /// Another org's token learns nothing: its 404 for acme is the 404 it gets for an organization that does not exist,
    /// and has the members of any missing resource's 404.
    /// </summary>
    private async Task AssertIndistinguishableFromMissingAsync(AdminClient client, AdminRoute route, AdminResponse response)
    {
        var nowhere = await route.SendAsync(client, route.Path.Replace("/acme", "/initech", StringComparison.Ordinal));
        Assert.Equal(
            WithoutTraceId(nowhere.Body).Replace("initech", "acme", StringComparison.Ordinal),
            WithoutTraceId(response.Body));

        var missingAgent = await new AdminClient(fixture.Gateway, fixture.Tokens["own org"]).GetAsync("/admin/v1/orgs/acme/agents/nobody");
        missingAgent.AssertProblem(HttpStatusCode.NotFound, "not_found");
        var expected = missingAgent.Json;
        var actual = response.Json;
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name), actual.EnumerateObject().Select(p => p.Name));
        foreach (var member in new[] { "type", "title", "status", "code" })
        {
            Assert.Equal(expected.GetProperty(member).ToString(), actual.GetProperty(member).ToString());
        }
    }

    private static string WithoutTraceId(string problem)
    {
        using var document = JsonDocument.Parse(problem);
        return string.Join(",", document.RootElement.EnumerateObject().Where(p => p.Name != "traceId").Select(p => p.ToString()));
    }

    public sealed record AdminRoute(string Method, string Path, string? Body, HttpStatusCode Success, bool OrgScoped = true, string ContentType = "application/json")
    {
        public string Name => $"{Method} {Path}";

        /// <summary>A body of bytes (an audio file) in place of <see cref="Body"/>.</summary>
        public byte[]? Bytes { get; init; }

        public Task<AdminResponse> SendAsync(AdminClient client, string? path = null) =>
            Bytes is not null ? client.SendBytesAsync(new HttpMethod(Method), path ?? Path, Bytes, ContentType)
            : Body is null ? client.SendAsync(new HttpMethod(Method), path ?? Path)
            : client.SendTypedAsync(new HttpMethod(Method), path ?? Path, Body, ContentType);
    }

    /// <summary>One gateway for the whole matrix (the cases run one after another), and a token for each kind of caller.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public GatewayHost Gateway { get; private set; } = null!;

        public Dictionary<string, string?> Tokens { get; } = [];

        public async Task InitializeAsync()
        {
            Gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
            var twoHoursAgo = new ShiftedTimeProvider();
            twoHoursAgo.Advance(TimeSpan.FromHours(-2));
            Tokens["platform admin"] = AdminTokens.PlatformAdmin();
            Tokens["own org"] = AdminTokens.ForOrg("acme");
            Tokens["other org"] = AdminTokens.ForOrg("globex");
            Tokens["no token"] = null;
            Tokens["expired token"] = AdminTokens.Mint("acme", platformAdmin: false, time: twoHoursAgo, lifetime: TimeSpan.FromHours(1));
            Tokens["forged signature"] = AdminTokens.Mint("acme", platformAdmin: true, key: AdminTokens.ForgedKey);
            Tokens["unsigned"] = AdminTokens.WithoutSignature();
            Tokens["wrong audience"] = AdminTokens.Mint("acme", platformAdmin: true, audience: "another-service");
            Tokens["wrong issuer"] = AdminTokens.Mint("acme", platformAdmin: true, issuer: "someone-else");
            Tokens["no org and no role"] = AdminTokens.Mint(org: null, platformAdmin: false);
        }

        public async Task DisposeAsync() => await Gateway.DisposeAsync();

        /// <summary>
        /// acme with agent support (instance bot-1, a number, a hold clip), settings and a live session; globex with
        /// agent sales.
        /// </summary>
        public async Task ArrangeAsync()
        {
            foreach (var agent in Gateway.Registry.Current.Agents.ToList())
            {
                await Gateway.Registry.DeleteAsync(agent.Key);
            }

            var support = new AgentKey("acme", "support");
            var revision = await Gateway.Registry.PutAsync(support, new AgentResource
            {
                PhoneNumbers = ["+15550001001"],
                Instances = [new AgentInstance { Id = "bot-1", Url = new Uri("ws://127.0.0.1:9/ws") }],
            });
            var clip = TestWavs.Pcm(TestWavs.Tone(1));
            await Gateway.Registry.PutHoldClipIfRevisionAsync(support, TestWavs.Reference(clip), clip, revision);
            await Gateway.Registry.PutAsync(new AgentKey("globex", "sales"), new AgentResource { PhoneNumbers = ["+15550002002"] });
            var tenants = Gateway.Services.GetRequiredService<ITenantSettingsStore>();
            await tenants.PutAsync("acme", new TenantTelnyxSettings { ApiKey = "KEY-acme", ConnectionId = "conn-1", UpdatedAt = DateTimeOffset.UnixEpoch });
            await tenants.PutAsync("globex", new TenantTelnyxSettings { ApiKey = "KEY-globex", UpdatedAt = DateTimeOffset.UnixEpoch });
            await Gateway.Sessions.AddAsync(TestSessions.Sample(SessionId, "acme", DateTimeOffset.UnixEpoch));
        }

        /// <summary>Everything of acme's an admin route can change, as one comparable string.</summary>
        public async Task<string> AcmeStateAsync()
        {
            var agents = Gateway.Registry.Current.Agents
                .Where(a => a.Key.Org == "acme")
                .OrderBy(a => a.Key.Agent, StringComparer.Ordinal)
                .Select(a => $"{a.Key}@{a.Revision}:{JsonSerializer.Serialize(a.Resource, RegistryJsonContext.Default.AgentResource)} clip={a.HoldClip?.Sha256}");
            var settings = await Gateway.Services.GetRequiredService<ITenantSettingsStore>().GetAsync("acme");
            var sessions = await Gateway.Sessions.ListAsync("acme");
            return $"{string.Join("|", agents)} settings={settings} sessions={string.Join(",", sessions.Select(s => s.SessionId))}";
        }
    }
}
