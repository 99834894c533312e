using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.CallControl;
using Gateway.Credentials;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// <c>Gateway:AdminPort</c>: the admin API, its OpenAPI document, dial-out, bots' call control and <c>/metrics</c>
/// answer on the admin port only and 404 on the public one, as an unknown path does; the media stream and TeXML answer
/// on the public port only; health on both. Real Kestrel on two loopback ports.
/// </summary>
public sealed partial class AdminPortTests : IAsyncLifetime
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    private GatewayHost _gateway = null!;

    /// <summary>Requests of the admin listener: method, path and body (JSON), with a platform admin's token.</summary>
    public static TheoryData<string, string, string?> AdminRoutes() => new()
    {
        { "GET", "/admin/v1/orgs", null },
        { "GET", "/admin/v1/openapi.json", null },
        { "PUT", "/admin/v1/orgs/acme/agents/support", """{"instances":[{"id":"bot-1","url":"ws://127.0.0.1:9/ws"}]}""" },
        { "DELETE", "/admin/v1/orgs/acme/agents/support", null },
        { "GET", "/admin/v1/orgs/acme/sessions", null },
        { "POST", "/v1/orgs/acme/agents/support/calls", """{"to":"+13125550100","from":"+13125550199"}""" },
        { "POST", "/v2/calls/v3:abc/actions/hangup", "{}" },
        { "GET", "/metrics", null },
    };

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings(), adminPort: true);

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public void The_gateway_listens_on_two_ports_of_the_same_host_and_scheme()
    {
        Assert.NotNull(_gateway.AdminUri);
        Assert.NotEqual(_gateway.BaseUri.Port, _gateway.AdminUri.Port);
        Assert.Equal(_gateway.BaseUri.Host, _gateway.AdminUri.Host);
        Assert.Equal(_gateway.BaseUri.Scheme, _gateway.AdminUri.Scheme);
    }

    [Theory]
    [MemberData(nameof(AdminRoutes))]
    public async Task An_admin_listener_route_is_served_on_the_admin_port_and_is_an_unknown_path_on_the_public_one(string method, string path, string? json)
    {
        // The route answers on the admin port: whatever it says (a 404 of its own is problem+json), it is not the
        // router's answer to an unknown path.
        var onAdmin = await SendAsync(_gateway.AdminUri!, method, path, json, AdminTokens.PlatformAdmin());
        var unknownOnAdmin = await SendAsync(_gateway.AdminUri!, method, "/no/such/route", json, AdminTokens.PlatformAdmin());
        Assert.NotEqual(unknownOnAdmin, onAdmin);

        // On the public port the route does not exist: the answer is an unknown path's under the same API prefix
        // (problem+json not_found, or Telnyx's shape under /v2), naming the path asked and nothing else.
        var sibling = (path.StartsWith("/admin/", StringComparison.Ordinal) ? "/admin/v1" : path[..3]) + "/no-such-route";
        var unknown = await SendAsync(_gateway.BaseUri, method, sibling, json, AdminTokens.PlatformAdmin());
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(Normalized(await SendAsync(_gateway.AdminUri!, method, sibling, json, AdminTokens.PlatformAdmin()), sibling), Normalized(unknown, sibling));
        foreach (var token in new[] { AdminTokens.PlatformAdmin(), null })
        {
            var onPublic = await SendAsync(_gateway.BaseUri, method, path, json, token);
            Assert.Equal(Normalized(unknown, sibling), Normalized(onPublic, path));
        }
    }

    /// <summary>An answer with its trace id and the path it names taken out.</summary>
    private static Answer Normalized(Answer answer, string path) =>
        answer with { Body = TraceId().Replace(answer.Body, string.Empty).Replace(path, "{path}", StringComparison.Ordinal) };

    [GeneratedRegex("\"traceId\":\"[^\"]*\"")]
    private static partial Regex TraceId();

    [Fact]
    public async Task Each_route_answers_what_it_always_did_on_the_admin_port()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_gateway.AdminUri!, "GET", "/admin/v1/orgs", null, AdminTokens.PlatformAdmin())).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(_gateway.AdminUri!, "GET", "/admin/v1/orgs", null, token: null)).Status);
        var openApi = await SendAsync(_gateway.AdminUri!, "GET", "/admin/v1/openapi.json", null, token: null);
        Assert.Equal(HttpStatusCode.OK, openApi.Status);
        Assert.Contains("/admin/v1/orgs/{org}/agents/{agent}", openApi.Body, StringComparison.Ordinal);
        var metrics = await SendAsync(_gateway.AdminUri!, "GET", "/metrics", null, token: null);
        Assert.Equal(HttpStatusCode.OK, metrics.Status);
        Assert.Contains("gateway_draining 0", metrics.Body, StringComparison.Ordinal);
        var callControl = await SendAsync(_gateway.AdminUri!, "POST", "/v2/calls/v3:abc/actions/hangup", "{}", token: null);
        Assert.Equal(HttpStatusCode.Unauthorized, callControl.Status);
        Assert.Contains("gateway_unauthorized", callControl.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_method_on_an_admin_path_is_a_404_on_the_public_port_not_a_405()
    {
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await SendAsync(_gateway.AdminUri!, "PATCH", "/admin/v1/orgs", "{}", AdminTokens.PlatformAdmin())).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(_gateway.BaseUri, "PATCH", "/admin/v1/orgs", "{}", AdminTokens.PlatformAdmin())).Status);
    }

    [Fact]
    public async Task A_host_header_naming_the_admin_port_does_not_open_the_admin_routes_on_the_public_port()
    {
        var spoofed = await SendAsync(_gateway.BaseUri, "GET", "/admin/v1/orgs", null, AdminTokens.PlatformAdmin(), host: $"127.0.0.1:{_gateway.AdminUri!.Port}");
        Assert.Equal(HttpStatusCode.NotFound, spoofed.Status);
    }

    [Fact]
    public async Task The_media_stream_and_TeXML_answer_on_the_public_port_only()
    {
        var adminStream = new UriBuilder(_gateway.CallUri(TestCalls.SupportQuery)) { Port = _gateway.AdminUri!.Port }.Uri;
        Assert.Equal(HttpStatusCode.NotFound, (await UpgradeRequest.SendAsync(adminStream)).Status);

        // No such agent on the public port: the gateway's own answer, not the router's 404.
        var publicStream = await UpgradeRequest.SendAsync(_gateway.CallUri("serviceHost=nosuch.acme"));
        Assert.Equal(HttpStatusCode.NotFound, publicStream.Status);
        Assert.Equal("unknown_agent", publicStream.Problem.GetProperty("code").GetString());

        Assert.Equal(HttpStatusCode.OK, (await TexmlClient.GetAsync(_gateway.HttpUri("/texml/acme/support"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await TexmlClient.GetAsync(_gateway.AdminHttpUri("/texml/acme/support"))).Status);
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Health_answers_on_both_ports(string path)
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_gateway.BaseUri, "GET", path, null, token: null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_gateway.AdminUri!, "GET", path, null, token: null)).Status);
    }

    [Fact]
    public async Task A_bot_controls_its_call_through_the_admin_port_while_the_call_arrives_on_the_public_one()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Redis, adminPort: true);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        var credential = live.Bot.Headers[SessionCredentials.HeaderName];

        var onPublic = await SendAsync(lab.Gateway.BaseUri, "POST", $"/v2/calls/{live.Call.CallControlId}/actions/hangup", "{}", credential);
        Assert.Equal(HttpStatusCode.NotFound, onPublic.Status);
        Assert.Empty(lab.Telnyx.Requests);

        var onAdmin = await lab.CallControlAsync(live.Call.CallControlId, "hangup", credential);
        Assert.Equal(HttpStatusCode.OK, onAdmin.Status);
        var forwarded = Assert.Single(lab.Telnyx.Requests);
        Assert.Equal("Bearer " + TelnyxApiLab.AcmeApiKey, forwarded.Authorization);
    }

    [Fact]
    public async Task A_call_dialed_out_on_the_admin_port_streams_to_the_public_base_url()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Redis, adminPort: true);
        var dialed = await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199"}""");
        dialed.AssertStatus(HttpStatusCode.Created);
        var streamUrl = Assert.Single(lab.Telnyx.Requests).Json.GetProperty("stream_url").GetString();
        Assert.StartsWith($"wss://{new Uri(TelnyxApiLab.PublicBaseUrl).Host}/ws/telnyx?", streamUrl, StringComparison.Ordinal);
    }

    private static async Task<Answer> SendAsync(Uri listener, string method, string path, string? json, string? token, string? host = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(listener, path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request, Wait.Token());
        return new Answer(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private sealed record Answer(HttpStatusCode Status, string? ContentType, string Body);
}
