using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Hosting;

/// <summary>
/// What routing answers on its own (an unknown path, a wrong method, a body of the wrong media type) is a refusal like
/// every other under the APIs' prefixes: problem+json with a code, Telnyx's error shape under /v2, Allow on a 405.
/// </summary>
public sealed class RouteRefusalTests(RouteRefusalTests.Fixture fixture) : IClassFixture<RouteRefusalTests.Fixture>
{
    [Theory]
    [InlineData("/admin/v1/nothing")]
    [InlineData("/admin/v1/orgs/acme/agents/support/nothing")]
    [InlineData("/v1/orgs/acme/nothing")]
    public async Task An_unknown_route_under_an_API_is_a_404_problem(string path)
    {
        var response = await fixture.Admin.GetAsync(path);

        response.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal($"No route answers GET {path}.", response.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_unknown_call_control_route_is_a_Telnyx_shaped_404()
    {
        var response = await fixture.Admin.GetAsync("/v2/calls/v3:abc");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal("application/json", response.ContentType);
        Assert.Equal(
            """{"errors":[{"code":"not_found","title":"Not found","detail":"No route answers GET /v2/calls/v3:abc."}]}""",
            response.Body);
    }

    [Fact]
    public async Task A_method_a_route_does_not_take_is_a_405_problem_with_Allow()
    {
        var response = await fixture.Admin.SendAsync(HttpMethod.Post, "/admin/v1/orgs/acme/agents/support");

        response.AssertProblem(HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Equal("DELETE, GET, PATCH, PUT", string.Join(", ", response.Headers["Allow"].Split(", ").Order(StringComparer.Ordinal)));
        Assert.StartsWith("POST is not answered here; ", response.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_method_on_call_control_is_a_Telnyx_shaped_405_with_Allow()
    {
        var response = await fixture.Admin.GetAsync("/v2/calls/v3:abc/actions/hangup");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.Status);
        Assert.Equal("POST", response.Headers["Allow"]);
        var error = Assert.Single(JsonDocument.Parse(response.Body).RootElement.GetProperty("errors").EnumerateArray());
        Assert.Equal("method_not_allowed", error.GetProperty("code").GetString());
        Assert.Equal("GET is not answered here; POST is.", error.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_of_another_media_type_is_a_415_problem(string contentType)
    {
        var response = await fixture.Admin.SendTypedAsync(HttpMethod.Put, "/admin/v1/orgs/acme/agents/support", "{}", contentType);

        response.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal("Send the body as application/json.", response.Json.GetProperty("detail").GetString());
        Assert.False(response.Headers.ContainsKey("Accept-Patch"));
    }

    [Fact]
    public async Task A_PATCH_that_is_not_a_merge_patch_is_a_415_naming_the_media_type_in_Accept_Patch()
    {
        var response = await fixture.Admin.SendTypedAsync(HttpMethod.Patch, "/admin/v1/orgs/acme/agents/support", "{}", "application/json");

        response.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal("application/merge-patch+json", response.Headers["Accept-Patch"]);
        Assert.Equal("Send the patch as application/merge-patch+json (RFC 7386).", response.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_dial_out_of_another_media_type_is_a_415_problem()
    {
        var response = await fixture.Admin.SendTypedAsync(HttpMethod.Post, "/v1/orgs/acme/agents/support/calls", "{}", "text/plain");

        response.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }

    [Fact]
    public async Task Paths_outside_the_APIs_keep_routings_bare_answer()
    {
        var response = await fixture.Admin.GetAsync("/nothing-here");

        Assert.Equal(HttpStatusCode.NotFound, response.Status);
        Assert.Equal(string.Empty, response.Body);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public GatewayHost Gateway { get; private set; } = null!;

        public AdminClient Admin { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
            Admin = new AdminClient(Gateway, AdminTokens.PlatformAdmin());
        }

        public async Task DisposeAsync() => await Gateway.DisposeAsync();
    }
}
