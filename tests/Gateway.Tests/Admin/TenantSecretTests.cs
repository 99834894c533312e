using System.Net;
using System.Security.Cryptography;
using Gateway.Redis;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Gateway.Tests.Admin;

/// <summary>
/// An organization's Telnyx API key and webhook public key are write-only: reads say whether they are set, Redis holds
/// them encrypted, any replica sharing the Redis decrypts them, and no log line or response ever carries them.
/// </summary>
public sealed class TenantSecretTests
{
    private const string Telnyx = "/admin/v1/orgs/acme/telnyx";

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Reads_say_whether_secrets_are_set_and_never_what_they_are(GatewayMode mode)
    {
        var (apiKey, publicKey) = NewSecrets();
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));

        var missing = await admin.GetAsync(Telnyx);
        var put = await admin.PutAsync(Telnyx, $$"""{"apiKey":"{{apiKey}}","webhookPublicKey":"{{publicKey}}","connectionId":"1494404757140276705"}""");
        var get = await admin.GetAsync(Telnyx);

        missing.AssertProblem(HttpStatusCode.NotFound, "not_found");
        put.AssertStatus(HttpStatusCode.OK);
        get.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(put.Body, get.Body);
        var view = get.Json;
        Assert.Equal(["apiKeySet", "webhookPublicKeySet", "connectionId", "updatedAt"], view.EnumerateObject().Select(p => p.Name));
        Assert.True(view.GetProperty("apiKeySet").GetBoolean());
        Assert.True(view.GetProperty("webhookPublicKeySet").GetBoolean());
        Assert.Equal("1494404757140276705", view.GetProperty("connectionId").GetString());
        AssertNeverShown(gateway, [missing, put, get], apiKey, publicKey);

        // A PUT replaces all three: what it leaves out is no longer set.
        var replaced = await admin.PutAsync(Telnyx, """{"connectionId":"conn-2"}""");
        Assert.False(replaced.AssertStatus(HttpStatusCode.OK).Json.GetProperty("apiKeySet").GetBoolean());
        Assert.False(replaced.Json.GetProperty("webhookPublicKeySet").GetBoolean());

        (await admin.DeleteAsync(Telnyx)).AssertStatus(HttpStatusCode.NoContent);
        (await admin.GetAsync(Telnyx)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        (await admin.DeleteAsync(Telnyx)).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Redis_holds_the_secrets_encrypted_and_another_replica_decrypts_them()
    {
        var (apiKey, publicKey) = NewSecrets();
        var redis = await TestRedis.ConnectionStringAsync();
        var prefix = TestRedis.UniquePrefix();
        await using var writer = await GatewayHost.StartAsync(redis, prefix, AdminTokens.Settings());
        await using var reader = await GatewayHost.StartAsync(redis, prefix, AdminTokens.Settings());
        var responses = new List<AdminResponse>
        {
            (await new AdminClient(writer, AdminTokens.ForOrg("acme")).PutAsync(Telnyx, $$"""{"apiKey":"{{apiKey}}","webhookPublicKey":"{{publicKey}}","connectionId":"conn-1"}""")).AssertStatus(HttpStatusCode.OK),
            (await new AdminClient(reader, AdminTokens.ForOrg("acme")).GetAsync(Telnyx)).AssertStatus(HttpStatusCode.OK),
        };

        var raw = (string?)await writer.Services.GetRequiredService<RedisConnection>().Database
            .StringGetAsync(writer.Services.GetRequiredService<RedisKeys>().TenantTelnyx("acme"));
        var decrypted = await reader.Services.GetRequiredService<ITenantSettingsStore>().GetAsync("acme");

        // The right key was read (its clear field is there), and neither secret is in it, as written or as base64.
        Assert.NotNull(raw);
        Assert.Contains("\"connectionId\":\"conn-1\"", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(apiKey, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(apiKey)), raw, StringComparison.Ordinal);
        Assert.DoesNotContain(publicKey, raw, StringComparison.Ordinal);
        Assert.NotNull(decrypted);
        Assert.Equal(apiKey, decrypted.ApiKey);
        Assert.Equal(publicKey, decrypted.WebhookPublicKey);
        Assert.Equal("conn-1", decrypted.ConnectionId);
        Assert.True(responses[1].Json.GetProperty("apiKeySet").GetBoolean());
        AssertNeverShown(writer, responses, apiKey, publicKey);
        AssertNeverShown(reader, responses, apiKey, publicKey);
    }

    private static (string ApiKey, string PublicKey) NewSecrets() =>
        ("KEY" + Convert.ToHexString(RandomNumberGenerator.GetBytes(24)), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    private static void AssertNeverShown(GatewayHost gateway, IEnumerable<AdminResponse> responses, params string[] secrets)
    {
        Assert.NotEmpty(gateway.Logs.Lines);
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(gateway.Logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(responses, response => response.Body.Contains(secret, StringComparison.Ordinal) || response.Headers.Values.Any(v => v.Contains(secret, StringComparison.Ordinal)));
        }
    }
}
