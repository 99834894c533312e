using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Auth;

/// <summary>An admin API with no way to validate tokens stays shut; a signing key too short to be safe stops the gateway.</summary>
public sealed class AuthConfigurationTests
{
    private static readonly (string Method, string Path)[] Routes =
    [
        ("GET", "/admin/v1/orgs"),
        ("GET", "/admin/v1/orgs/acme/agents"),
        ("GET", "/admin/v1/orgs/acme/agents/support"),
        ("PUT", "/admin/v1/orgs/acme/agents/support"),
        ("DELETE", "/admin/v1/orgs/acme/agents/support"),
        ("PUT", "/admin/v1/orgs/acme/agents/support/instances/pod-1"),
        ("DELETE", "/admin/v1/orgs/acme/agents/support/instances/pod-1"),
        ("GET", "/admin/v1/orgs/acme/sessions"),
        ("GET", "/admin/v1/orgs/acme/sessions/some-session"),
        ("PUT", "/admin/v1/orgs/acme/telnyx"),
        ("GET", "/admin/v1/orgs/acme/telnyx"),
        ("DELETE", "/admin/v1/orgs/acme/telnyx"),
        ("GET", "/admin/v1/orgs/acme/numbers"),
    ];

    [Fact]
    public async Task With_no_key_configured_every_admin_route_is_401_even_for_a_well_formed_token()
    {
        await using var gateway = await GatewayHost.StartAsync();
        var body = """{"url":"ws://10.0.0.1/ws"}""";
        var clients = new[]
        {
            new AdminClient(gateway, AdminTokens.PlatformAdmin()),
            new AdminClient(gateway, AdminTokens.ForOrg("acme")),
            new AdminClient(gateway, token: null),
        };

        foreach (var client in clients)
        {
            foreach (var (method, path) in Routes)
            {
                var response = await client.SendAsync(new HttpMethod(method), path, method == "PUT" ? body : null);
                Assert.True(response.Status == HttpStatusCode.Unauthorized, $"{method} {path}: {(int)response.Status} {response.Body}");
                response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
            }
        }

        Assert.Equal(0, gateway.Registry.Current.Count);
    }

    [Fact]
    public async Task The_same_token_is_taken_once_the_key_is_configured()
    {
        // The counterpart of the test above: the tokens it sends are good ones.
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());

        var response = await new AdminClient(gateway, AdminTokens.PlatformAdmin()).GetAsync("/admin/v1/orgs");

        Assert.Equal("""{"orgs":[]}""", response.AssertStatus(HttpStatusCode.OK).Body);
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcde")] // 31 bytes
    [InlineData("ééééééééééééééé")] // 15 characters, 30 bytes of UTF-8
    public async Task A_signing_key_under_32_bytes_stops_the_gateway_at_start(string key)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Auth:SigningKey"] = key }));

        Assert.Contains("Auth:SigningKey must be at least 32 bytes of UTF-8.", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signing_key_of_32_bytes_is_enough()
    {
        const string Key = "0123456789abcdef0123456789abcdef";
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Auth:SigningKey"] = Key });

        var response = await new AdminClient(gateway, AdminTokens.Mint("acme", platformAdmin: false, key: Key)).GetAsync("/admin/v1/orgs");

        Assert.Equal("""{"orgs":[]}""", response.AssertStatus(HttpStatusCode.OK).Body);
    }

    [Fact]
    public async Task A_relative_authority_stops_the_gateway_at_start()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Auth:Authority"] = "/issuer" }));

        Assert.Contains("Auth:Authority must be an absolute URL.", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authority_and_a_signing_key_together_stop_the_gateway_at_start()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Auth:Authority"] = "https://login.example.com/realms/voice",
            ["Auth:SigningKey"] = new string('k', 32),
        }));

        Assert.Contains("Set Auth:Authority or Auth:SigningKey, not both", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Custom_issuer_and_audience_are_enforced()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings(new Dictionary<string, string?>
        {
            ["Auth:Issuer"] = "https://auth.example.com/",
            ["Auth:Audience"] = "voice-gateway",
        }));

        var right = await new AdminClient(gateway, AdminTokens.Mint("acme", false, issuer: "https://auth.example.com/", audience: "voice-gateway")).GetAsync("/admin/v1/orgs/acme/agents");
        var defaults = await new AdminClient(gateway, AdminTokens.ForOrg("acme")).GetAsync("/admin/v1/orgs/acme/agents");

        right.AssertStatus(HttpStatusCode.OK);
        defaults.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
