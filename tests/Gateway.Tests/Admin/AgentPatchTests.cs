using System.Net;
using System.Text.Json;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Admin;

/// <summary>
/// PATCH takes a JSON merge patch (RFC 7386) of an agent: what it leaves out is kept (instances, stream auth, TeXML),
/// null resets a field to its default, the result is checked as a PUT of it would be, and If-Match holds as for PUT.
/// PUT stays a whole replace and refuses a merge patch.
/// </summary>
public sealed class AgentPatchTests
{
    private const string Support = "/admin/v1/orgs/acme/agents/support";

    private const string Full = """
        {"maxConcurrentCalls":20,"streamAuth":"token","phoneNumbers":["+13125550100"],
         "instances":[{"id":"pod-1","url":"ws://10.0.0.7:8080/ws","capacity":4}],
         "texml":{"parameters":{"lang":"en-US","tier":"gold"},"fallback":"<Dial><Number>+13125550199</Number></Dial>"}}
        """;

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_patch_changes_what_it_names_and_keeps_the_rest(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var created = (await admin.PutAsync(Support, Full)).AssertStatus(HttpStatusCode.Created);

        var patched = await admin.PatchAsync(Support, """{"maxConcurrentCalls":30,"phoneNumbers":["+13125550100","+13125550101"]}""", ("If-Match", created.ETag!));

        patched.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("application/json", patched.ContentType);
        var agent = gateway.Registry.Current.TryGet(new AgentKey("acme", "support"), out var stored) ? stored.Resource : null;
        Assert.NotNull(agent);
        Assert.Equal(30, agent.MaxConcurrentCalls);
        Assert.Equal(["+13125550100", "+13125550101"], agent.PhoneNumbers);
        Assert.Equal(StreamAuthMode.Token, agent.StreamAuth);
        var instance = Assert.Single(agent.Instances);
        Assert.Equal(("pod-1", 4), (instance.Id, instance.Capacity));
        Assert.Equal("<Dial><Number>+13125550199</Number></Dial>", agent.Texml.Fallback);
        Assert.Equal(JsonSerializer.Serialize(agent, RegistryJsonContext.Default.AgentResource), JsonSerializer.Serialize(JsonSerializer.Deserialize(patched.Body, RegistryJsonContext.Default.AgentResource), RegistryJsonContext.Default.AgentResource));
        var get = await admin.GetAsync(Support);
        Assert.Equal(get.ETag, patched.ETag);
        Assert.NotEqual(created.ETag, patched.ETag);
    }

    [Fact]
    public async Task Objects_merge_member_by_member_and_null_resets_a_field()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Support, Full)).AssertStatus(HttpStatusCode.Created);

        var patched = await admin.PatchAsync(Support, """{"streamAuth":null,"texml":{"parameters":{"tier":null,"region":"eu"},"fallback":null}}""");

        patched.AssertStatus(HttpStatusCode.OK);
        var agent = patched.Json;
        Assert.Equal("none", agent.GetProperty("streamAuth").GetString());
        Assert.Equal("""{"lang":"en-US","region":"eu"}""", agent.GetProperty("texml").GetProperty("parameters").GetRawText());
        Assert.Equal(JsonValueKind.Null, agent.GetProperty("texml").GetProperty("fallback").ValueKind);
        Assert.Equal(20, agent.GetProperty("maxConcurrentCalls").GetInt32());
        Assert.Single(agent.GetProperty("instances").EnumerateArray());
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_patch_with_a_stale_If_Match_is_412_and_changes_nothing(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var first = (await admin.PutAsync(Support, Full)).ETag!;
        var second = (await admin.PatchAsync(Support, """{"maxConcurrentCalls":21}""")).AssertStatus(HttpStatusCode.OK).ETag!;

        var stale = await admin.PatchAsync(Support, """{"maxConcurrentCalls":22}""", ("If-Match", first));

        stale.AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal("Agent 'support.acme' is not as If-Match names it (changed, or absent); read it again.", stale.Json.GetProperty("detail").GetString());
        var get = await admin.GetAsync(Support);
        Assert.Equal(second, get.ETag);
        Assert.Equal(21, get.Json.GetProperty("maxConcurrentCalls").GetInt32());
    }

    [Fact]
    public async Task A_patch_whose_result_is_invalid_is_refused_naming_every_field_and_changes_nothing()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var etag = (await admin.PutAsync(Support, Full)).ETag;

        var invalid = await admin.PatchAsync(Support, """{"maxConcurrentCalls":0,"streamAuth":"tokn","texml":{"codec":"MP3"},"colour":"blue","instances":[{"id":"pod-1","url":"http://h/ws"}]}""");

        Assert.Equal(["colour", "instances[0].url", "maxConcurrentCalls", "streamAuth", "texml.codec"], invalid.ValidationErrors());
        Assert.Equal("""["must be one of none, token."]""", invalid.Json.GetProperty("errors").GetProperty("streamAuth").GetRawText());
        Assert.Equal(etag, (await admin.GetAsync(Support)).ETag);
    }

    [Fact]
    public async Task Patching_an_absent_agent_is_404_and_creates_nothing()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));

        var response = await admin.PatchAsync("/admin/v1/orgs/acme/agents/nobody", """{"maxConcurrentCalls":3}""");

        response.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("No agent 'nobody' in organization 'acme'.", response.Json.GetProperty("detail").GetString());
        Assert.False(gateway.Registry.Current.TryGet(new AgentKey("acme", "nobody"), out _));
    }

    [Fact]
    public async Task A_patch_claiming_another_agents_number_is_409()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Support, Full)).AssertStatus(HttpStatusCode.Created);
        (await admin.PutAsync("/admin/v1/orgs/acme/agents/sales", "{}")).AssertStatus(HttpStatusCode.Created);

        var response = await admin.PatchAsync("/admin/v1/orgs/acme/agents/sales", """{"phoneNumbers":["+13125550100"]}""");

        response.AssertProblem(HttpStatusCode.Conflict, "phone_number_taken");
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"maxConcurrentCalls\"")]
    public async Task A_patch_that_is_not_an_object_is_refused(string patch)
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Support, Full)).AssertStatus(HttpStatusCode.Created);

        Assert.Equal(["$"], (await admin.PatchAsync(Support, patch)).ValidationErrors());
    }

    [Fact]
    public async Task A_merge_patch_sent_to_PUT_is_415_and_replaces_nothing()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var etag = (await admin.PutAsync(Support, Full)).ETag;

        var response = await admin.SendTypedAsync(HttpMethod.Put, Support, """{"maxConcurrentCalls":30}""", "application/merge-patch+json");

        response.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        Assert.Equal("Send the body as application/json; a merge patch goes with PATCH.", response.Json.GetProperty("detail").GetString());
        Assert.Equal(etag, (await admin.GetAsync(Support)).ETag);
    }
}
