using System.Net;
using System.Text.Json;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Admin;

/// <summary>
/// The OpenAPI document is public, lists exactly the routes the gateway maps under /admin/v1, /v1 and /v2, names each
/// operation, and says what the validators check: real types, what is required, no other member, ranges, patterns,
/// enumerations and the 4xx answers of each route. (CI lints it too: tests/lint-openapi.sh.)
/// </summary>
public sealed class OpenApiTests(OpenApiTests.Fixture fixture) : IClassFixture<OpenApiTests.Fixture>
{
    private static readonly string[] ApiPrefixes = ["/admin/v1/", "/v1/", "/v2/"];

    [Fact]
    public void The_document_lists_every_mapped_API_route_and_method()
    {
        var documented = Operations(fixture.Document).Select(o => $"{o.Method} {o.Path}").Order(StringComparer.Ordinal).ToList();
        var mapped = fixture.Gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => ApiPrefixes.Any(prefix => e.RoutePattern.RawText?.StartsWith(prefix, StringComparison.Ordinal) == true))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(method => $"{method} {e.RoutePattern.RawText}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(21, mapped.Count);
        Assert.Contains("POST /v1/orgs/{org}/agents/{agent}/calls", mapped);
        Assert.Contains("POST /v2/calls/{callControlId}/actions/{action}", mapped);
        Assert.Equal(mapped, documented);
    }

    [Fact]
    public void Every_operation_has_its_own_operationId()
    {
        var ids = Operations(fixture.Document).Select(o => o.Operation.TryGetProperty("operationId", out var id) ? id.GetString() : null).ToList();

        Assert.DoesNotContain(null, ids);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Contains("patchAgent", ids);
        Assert.Contains("placeCall", ids);
        Assert.Contains("callControlAction", ids);
        Assert.Contains("putHoldAudio", ids);
        Assert.Contains("getHoldAudio", ids);
        Assert.Contains("deleteHoldAudio", ids);
    }

    [Theory]
    [InlineData("PUT /admin/v1/orgs/{org}/agents/{agent}", "200,201,400,401,403,404,409,412,415,503")]
    [InlineData("PATCH /admin/v1/orgs/{org}/agents/{agent}", "200,400,401,403,404,409,412,415,503")]
    [InlineData("DELETE /admin/v1/orgs/{org}/agents/{agent}", "204,400,401,403,404,409,412,503")]
    [InlineData("PUT /admin/v1/orgs/{org}/agents/{agent}/instances/{id}", "200,201,400,401,403,404,409,415,503")]
    [InlineData("PUT /admin/v1/orgs/{org}/agents/{agent}/hold-audio", "200,201,400,401,403,404,409,412,413,415,503")]
    [InlineData("GET /admin/v1/orgs/{org}/agents/{agent}/hold-audio", "200,304,400,401,403,404,503")]
    [InlineData("DELETE /admin/v1/orgs/{org}/agents/{agent}/hold-audio", "204,400,401,403,404,409,412,503")]
    [InlineData("PUT /admin/v1/orgs/{org}/telnyx", "200,400,401,403,404,409,412,415,503")]
    [InlineData("PATCH /admin/v1/orgs/{org}/telnyx", "200,400,401,403,404,409,412,415,503")]
    [InlineData("POST /v1/orgs/{org}/agents/{agent}/calls", "201,400,401,403,404,409,415,429,500,502,503,504")]
    [InlineData("POST /v2/calls/{callControlId}/actions/{action}", "200,401,403,404,422,500,502,503,504")]
    public void Each_route_lists_the_answers_it_gives(string operation, string statuses)
    {
        var found = Operations(fixture.Document).Single(o => $"{o.Method} {o.Path}" == operation).Operation;

        Assert.Equal(statuses, string.Join(",", found.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal)));
    }

    [Fact]
    public void A_PATCH_takes_a_merge_patch_and_a_PUT_takes_JSON()
    {
        var paths = fixture.Document.GetProperty("paths");

        var agent = paths.GetProperty("/admin/v1/orgs/{org}/agents/{agent}");
        Assert.Equal(["application/merge-patch+json"], agent.GetProperty("patch").GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(c => c.Name));
        Assert.Equal(["application/json"], agent.GetProperty("put").GetProperty("requestBody").GetProperty("content").EnumerateObject().Select(c => c.Name));
    }

    [Fact]
    public void The_hold_clip_is_a_WAV_file_up_and_down()
    {
        var clip = fixture.Document.GetProperty("paths").GetProperty("/admin/v1/orgs/{org}/agents/{agent}/hold-audio");

        var upload = Assert.Single(clip.GetProperty("put").GetProperty("requestBody").GetProperty("content").EnumerateObject());
        var download = Assert.Single(clip.GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content").EnumerateObject());
        Assert.Equal(("audio/wav", "audio/wav"), (upload.Name, download.Name));
        Assert.Equal(("string", "binary"), (upload.Value.GetProperty("schema").GetProperty("type").GetString(), upload.Value.GetProperty("schema").GetProperty("format").GetString()));
        Assert.Equal(JsonSerializer.Serialize(upload.Value.GetProperty("schema")), JsonSerializer.Serialize(download.Value.GetProperty("schema")));
        Assert.Equal("#/components/schemas/HoldClipView", clip.GetProperty("put").GetProperty("responses").GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.False(fixture.Document.GetProperty("components").GetProperty("schemas").TryGetProperty("Stream", out _));
    }

    [Fact]
    public void Schemas_have_the_real_types_the_required_fields_and_no_other_member()
    {
        var schemas = fixture.Document.GetProperty("components").GetProperty("schemas");
        var agent = schemas.GetProperty("AgentResource");
        var instance = schemas.GetProperty("AgentInstance");
        var registration = schemas.GetProperty("InstanceRegistration");

        Assert.Equal("integer", agent.GetProperty("properties").GetProperty("maxConcurrentCalls").GetProperty("type").GetString());
        Assert.Equal(("1", "100000"), Range(agent.GetProperty("properties").GetProperty("maxConcurrentCalls")));
        Assert.False(agent.TryGetProperty("required", out _));
        Assert.False(agent.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["id", "url"], instance.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        Assert.False(instance.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(["url"], registration.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(("5", "86400"), Range(registration.GetProperty("properties").GetProperty("ttlSeconds")));
        Assert.False(schemas.GetProperty("TenantTelnyxRequest").TryGetProperty("required", out _));
        Assert.Equal("^[!-~]{1,512}$", schemas.GetProperty("TenantTelnyxRequest").GetProperty("properties").GetProperty("apiKey").GetProperty("pattern").GetString());
        Assert.Equal(["from", "to"], schemas.GetProperty("DialOutRequest").GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal("^\\+[1-9][0-9]{1,14}$", agent.GetProperty("properties").GetProperty("phoneNumbers").GetProperty("items").GetProperty("pattern").GetString());
        Assert.Equal(["none", "token"], schemas.GetProperty("StreamAuthMode").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["AMR-WB", "G722", "L16", "OPUS", "PCMA", "PCMU", "default"], schemas.GetProperty("AgentTexml").GetProperty("properties").GetProperty("codec").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        var continuity = schemas.GetProperty("AgentContinuity");
        Assert.Equal(["clip", "silence", "tone"], continuity.GetProperty("properties").GetProperty("hold").GetProperty("enum").EnumerateArray().Select(v => v.GetString()));
        Assert.False(continuity.GetProperty("additionalProperties").GetBoolean());
        Assert.Equal(("1", "10"), Range(schemas.GetProperty("ReconnectPolicy").GetProperty("properties").GetProperty("attempts")));
        Assert.Contains("code", schemas.GetProperty("ProblemDetails").GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.DoesNotContain("\"string\",\"integer\"", fixture.Body.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.DoesNotContain("[\"integer\",\"string\"]", fixture.Body.Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Path_names_carry_their_pattern()
    {
        var parameters = fixture.Document.GetProperty("paths").GetProperty("/admin/v1/orgs/{org}/agents/{agent}").GetProperty("get").GetProperty("parameters");
        var agent = parameters.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "agent").GetProperty("schema");

        Assert.Equal("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", agent.GetProperty("pattern").GetString());
        Assert.Equal(54, agent.GetProperty("maxLength").GetInt32());
    }

    [Fact]
    public void The_server_URL_has_no_trailing_slash()
    {
        var server = Assert.Single(fixture.Document.GetProperty("servers").EnumerateArray()).GetProperty("url").GetString();

        Assert.Equal(fixture.Gateway.BaseUri.ToString().TrimEnd('/'), server);
    }

    [Fact]
    public void The_document_declares_bearer_JWT_for_admin_and_the_session_credential_for_call_control()
    {
        var document = fixture.Document;

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal(("http", "bearer", "JWT"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString(), scheme.GetProperty("bearerFormat").GetString()));
        var requirement = Assert.Single(document.GetProperty("security").EnumerateArray());
        Assert.Equal(["bearer"], requirement.EnumerateObject().Select(p => p.Name));
        var callControl = document.GetProperty("paths").GetProperty("/v2/calls/{callControlId}/actions/{action}").GetProperty("post");
        Assert.Equal(["sessionCredential"], Assert.Single(callControl.GetProperty("security").EnumerateArray()).EnumerateObject().Select(p => p.Name));
        Assert.Equal("Telnyx voice gateway API", document.GetProperty("info").GetProperty("title").GetString());
    }

    [Fact]
    public async Task The_document_is_served_even_with_no_auth_configured()
    {
        await using var gateway = await GatewayHost.StartAsync();

        var response = await new AdminClient(gateway, token: null).GetAsync("/admin/v1/openapi.json");

        response.AssertStatus(HttpStatusCode.OK);
        Assert.True(response.Json.GetProperty("paths").EnumerateObject().Any());
    }

    private static (string?, string?) Range(JsonElement schema) => (schema.GetProperty("minimum").ToString(), schema.GetProperty("maximum").ToString());

    private static IEnumerable<(string Method, string Path, JsonElement Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(operation => operation.Name != "parameters")
                .Select(operation => (operation.Name.ToUpperInvariant(), path.Name, operation.Value)));

    public sealed class Fixture : IAsyncLifetime
    {
        public GatewayHost Gateway { get; private set; } = null!;

        public string Body { get; private set; } = null!;

        public JsonElement Document { get; private set; }

        public async Task InitializeAsync()
        {
            Gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
            var response = await new AdminClient(Gateway, token: null).GetAsync("/admin/v1/openapi.json");
            response.AssertStatus(HttpStatusCode.OK);
            Assert.Equal("application/json", response.ContentType);
            (Body, Document) = (response.Body, response.Json);
        }

        public async Task DisposeAsync() => await Gateway.DisposeAsync();
    }
}
