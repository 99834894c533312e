using System.Net;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Admin;

/// <summary>
/// An organization's Telnyx settings carry an ETag and take a JSON merge patch: a patch of the connection keeps the
/// write-only keys, null forgets one, If-Match holds on PUT and PATCH, and an API key must be sendable in a header.
/// </summary>
public sealed class TenantTelnyxPatchTests
{
    private const string Telnyx = "/admin/v1/orgs/acme/telnyx";

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_patch_of_the_connection_keeps_the_keys(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var put = (await admin.PutAsync(Telnyx, """{"apiKey":"KEY-one","connectionId":"conn-1"}""")).AssertStatus(HttpStatusCode.OK);

        var patched = await admin.PatchAsync(Telnyx, """{"connectionId":"conn-2"}""", ("If-Match", put.ETag!));

        patched.AssertStatus(HttpStatusCode.OK);
        Assert.Matches("^\"[0-9a-f]{24}\"$", patched.ETag);
        Assert.NotEqual(put.ETag, patched.ETag);
        Assert.Equal(patched.ETag, (await admin.GetAsync(Telnyx)).ETag);
        var stored = await gateway.Services.GetRequiredService<ITenantSettingsStore>().GetAsync("acme");
        Assert.Equal(("KEY-one", "conn-2"), (stored!.ApiKey, stored.ConnectionId));
        Assert.True(patched.Json.GetProperty("apiKeySet").GetBoolean());
        Assert.DoesNotContain("KEY-one", patched.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Null_forgets_a_key()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Telnyx, """{"apiKey":"KEY-one","connectionId":"conn-1"}""")).AssertStatus(HttpStatusCode.OK);

        var patched = await admin.PatchAsync(Telnyx, """{"apiKey":null}""");

        Assert.StartsWith("""{"apiKeySet":false,"webhookPublicKeySet":false,"connectionId":"conn-1","updatedAt":""", patched.AssertStatus(HttpStatusCode.OK).Body, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_stale_If_Match_is_412_on_PATCH_and_PUT_and_changes_nothing(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var first = (await admin.PutAsync(Telnyx, """{"apiKey":"KEY-one"}""")).ETag!;
        var second = (await admin.PatchAsync(Telnyx, """{"connectionId":"conn-2"}""")).AssertStatus(HttpStatusCode.OK).ETag!;

        var patch = await admin.PatchAsync(Telnyx, """{"connectionId":"conn-3"}""", ("If-Match", first));
        var put = await admin.PutAsync(Telnyx, """{"apiKey":"KEY-two"}""", ("If-Match", first));
        var create = await admin.PutAsync(Telnyx, """{"apiKey":"KEY-two"}""", ("If-None-Match", "*"));

        patch.AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");
        put.AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");
        create.AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal("Organization 'acme' already has Telnyx settings (If-None-Match: *).", create.Json.GetProperty("detail").GetString());
        Assert.Equal(second, (await admin.GetAsync(Telnyx)).ETag);
        var stored = await gateway.Services.GetRequiredService<ITenantSettingsStore>().GetAsync("acme");
        Assert.Equal(("KEY-one", "conn-2"), (stored!.ApiKey, stored.ConnectionId));
    }

    [Fact]
    public async Task Patching_absent_settings_is_404()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));

        (await admin.PatchAsync(Telnyx, """{"connectionId":"conn-1"}""")).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [InlineData("""{"apiKey":"KEY0193A8B2C4D5E6F7_abc…"}""")]
    [InlineData("""{"apiKey":"KEY0193A8B2\nC4D5"}""")]
    [InlineData("""{"apiKey":"KEY0193A8B2\u0000"}""")]
    public async Task An_API_key_no_header_can_carry_is_refused_on_PUT_and_PATCH(string json)
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await admin.PutAsync(Telnyx, """{"apiKey":"KEY-one"}""")).AssertStatus(HttpStatusCode.OK);

        var put = await admin.PutAsync(Telnyx, json);
        var patch = await admin.PatchAsync(Telnyx, json);

        Assert.Equal(["apiKey"], put.ValidationErrors());
        Assert.Equal(["apiKey"], patch.ValidationErrors());
        Assert.Equal("""["must be 1 to 512 printable ASCII characters (no spaces): it travels in an HTTP header."]""", put.Json.GetProperty("errors").GetProperty("apiKey").GetRawText());
        Assert.Equal("KEY-one", (await gateway.Services.GetRequiredService<ITenantSettingsStore>().GetAsync("acme"))!.ApiKey);
    }
}
