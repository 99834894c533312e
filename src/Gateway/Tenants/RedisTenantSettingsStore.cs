using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Redis;
using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

namespace Gateway.Tenants;

/// <summary>
/// Tenant settings in Redis, shared by every replica. The API key and public key are encrypted with ASP.NET Core
/// Data Protection, whose key ring is kept in the same Redis, so a Redis dump alone reveals no secret usable
/// without the key ring, and every replica can decrypt.
/// </summary>
public sealed class RedisTenantSettingsStore(IConnectionMultiplexer redis, RedisKeys keys, IDataProtectionProvider protection) : ITenantSettingsStore
{
    private readonly IDataProtector _protector = protection.CreateProtector("Gateway.Tenants.TelnyxSettings.v1");

    public async Task<TenantTelnyxSettings?> GetAsync(string org, CancellationToken cancellationToken = default)
    {
        var json = await redis.GetDatabase().StringGetAsync(keys.TenantTelnyx(org));
        if (json.IsNullOrEmpty)
        {
            return null;
        }

        var stored = JsonSerializer.Deserialize((byte[])json!, TenantJsonContext.Default.StoredTenantSettings)!;
        return new TenantTelnyxSettings
        {
            ApiKey = Unprotect(stored.ApiKey),
            WebhookPublicKey = Unprotect(stored.WebhookPublicKey),
            ConnectionId = stored.ConnectionId,
            UpdatedAt = stored.UpdatedAt,
        };
    }

    public async Task PutAsync(string org, TenantTelnyxSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var stored = new StoredTenantSettings(Protect(settings.ApiKey), Protect(settings.WebhookPublicKey), settings.ConnectionId, settings.UpdatedAt);
        var database = redis.GetDatabase();
        await database.StringSetAsync(keys.TenantTelnyx(org), JsonSerializer.SerializeToUtf8Bytes(stored, TenantJsonContext.Default.StoredTenantSettings));
        await database.SetAddAsync(keys.Tenants, org);
    }

    public async Task<bool> DeleteAsync(string org, CancellationToken cancellationToken = default)
    {
        var database = redis.GetDatabase();
        await database.SetRemoveAsync(keys.Tenants, org);
        return await database.KeyDeleteAsync(keys.TenantTelnyx(org));
    }

    private string? Protect(string? secret) => secret is null ? null : _protector.Protect(secret);

    private string? Unprotect(string? encrypted) => encrypted is null ? null : _protector.Unprotect(encrypted);
}

/// <summary>Tenant settings as kept in Redis: the secrets are Data Protection payloads.</summary>
internal sealed record StoredTenantSettings(string? ApiKey, string? WebhookPublicKey, string? ConnectionId, DateTimeOffset? UpdatedAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StoredTenantSettings))]
internal sealed partial class TenantJsonContext : JsonSerializerContext;
