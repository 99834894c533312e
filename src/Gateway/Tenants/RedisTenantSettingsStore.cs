using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Redis;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Gateway.Tenants;

/// <summary>
/// Tenant settings in Redis, shared by every replica. The API key and public key are encrypted with ASP.NET Core
/// Data Protection, whose key ring is kept in the same Redis, so a Redis dump alone reveals no secret usable
/// without the key ring, and every replica can decrypt.
/// </summary>
/// <remarks>
/// Writes are confirmed on the replicas a failover could promote before they return. The replica keeps the stored
/// (encrypted) form of every organization's settings it has read or written, and writes them back when the registry
/// finds that Redis lost writes (a restart without persistence).
/// </remarks>
public sealed partial class RedisTenantSettingsStore : ITenantSettingsStore
{
    private readonly RedisConnection _redis;
    private readonly DurableWrites _durable;
    private readonly RedisKeys _keys;
    private readonly ILogger<RedisTenantSettingsStore> _logger;
    private readonly IDataProtector _protector;
    private readonly ConcurrentDictionary<string, byte[]> _known = new(StringComparer.Ordinal);

    public RedisTenantSettingsStore(RedisConnection redis, DurableWrites durable, RedisKeys keys, IDataProtectionProvider protection, ILogger<RedisTenantSettingsStore> logger)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _redis = redis;
        _durable = durable;
        _keys = keys;
        _logger = logger;
        _protector = protection.CreateProtector("Gateway.Tenants.TelnyxSettings.v1");
        redis.DataLost += (_, _) => _ = WriteBackAsync();
    }

    public async Task<TenantTelnyxSettings?> GetAsync(string org, CancellationToken cancellationToken = default)
    {
        var json = await _redis.Database.StringGetAsync(_keys.TenantTelnyx(org));
        if (json.IsNullOrEmpty)
        {
            return null;
        }

        _known[org] = (byte[])json!;
        return Read(json!);
    }

    public async Task<bool> ReplaceAsync(string org, TenantTelnyxSettings? expected, TenantTelnyxSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var key = _keys.TenantTelnyx(org);
        var database = await _redis.WriteDatabaseAsync();

        // The stored form is encrypted with a fresh nonce at every write, so it changes whenever the settings are written:
        // the write is conditioned on exactly the bytes whose decryption matched what the caller read.
        var current = await database.StringGetAsync(key);
        if (current.IsNullOrEmpty ? expected is not null : expected is null || Read(current!) != expected)
        {
            return false;
        }

        var json = Serialize(settings);
        var transaction = database.CreateTransaction();
        transaction.AddCondition(current.IsNullOrEmpty ? Condition.KeyNotExists(key) : Condition.StringEqual(key, current));
        _ = transaction.StringSetAsync(key, json);
        if (!await transaction.ExecuteAsync())
        {
            return false;
        }

        await database.SetAddAsync(_keys.Tenants, org);
        _known[org] = json;
        await _durable.ConfirmAsync(key);
        await _durable.ConfirmAsync(_keys.Tenants);
        return true;
    }

    private TenantTelnyxSettings Read(byte[] json)
    {
        var stored = JsonSerializer.Deserialize(json, TenantJsonContext.Default.StoredTenantSettings)!;
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
        var json = Serialize(settings);
        var database = await _redis.WriteDatabaseAsync();
        await database.StringSetAsync(_keys.TenantTelnyx(org), json);
        await database.SetAddAsync(_keys.Tenants, org);
        _known[org] = json;
        await _durable.ConfirmAsync(_keys.TenantTelnyx(org));
        await _durable.ConfirmAsync(_keys.Tenants);
    }

    public async Task<bool> DeleteAsync(string org, CancellationToken cancellationToken = default)
    {
        var database = await _redis.WriteDatabaseAsync();
        _known.TryRemove(org, out _);
        await database.SetRemoveAsync(_keys.Tenants, org);
        var deleted = await database.KeyDeleteAsync(_keys.TenantTelnyx(org));
        await _durable.ConfirmAsync(_keys.TenantTelnyx(org));
        await _durable.ConfirmAsync(_keys.Tenants);
        return deleted;
    }

    private byte[] Serialize(TenantTelnyxSettings settings) => JsonSerializer.SerializeToUtf8Bytes(
        new StoredTenantSettings(Protect(settings.ApiKey), Protect(settings.WebhookPublicKey), settings.ConnectionId, settings.UpdatedAt),
        TenantJsonContext.Default.StoredTenantSettings);

    /// <summary>Writes back the settings Redis lost; never over settings another replica wrote since.</summary>
    private async Task WriteBackAsync()
    {
        try
        {
            var batch = _redis.Database.CreateBatch();
            var writes = new List<Task>();
            foreach (var (org, json) in _known)
            {
                writes.Add(batch.StringSetAsync(_keys.TenantTelnyx(org), json, when: When.NotExists));
                writes.Add(batch.SetAddAsync(_keys.Tenants, org));
            }

            batch.Execute();
            await Task.WhenAll(writes);
            LogWrittenBack(_logger, _known.Count);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException)
        {
            LogWriteBackFailed(_logger, e.Message);
        }
    }

    private string? Protect(string? secret) => secret is null ? null : _protector.Protect(secret);

    private string? Unprotect(string? encrypted) => encrypted is null ? null : _protector.Unprotect(encrypted);

    [LoggerMessage(EventId = 9201, Level = LogLevel.Warning, Message = "Redis lost writes: wrote back the Telnyx settings of the {Count} organizations this replica knows (where Redis had none)")]
    private static partial void LogWrittenBack(ILogger logger, int count);

    [LoggerMessage(EventId = 9202, Level = LogLevel.Warning, Message = "Could not write organizations' Telnyx settings back to Redis: {Reason}")]
    private static partial void LogWriteBackFailed(ILogger logger, string reason);
}

/// <summary>Tenant settings as kept in Redis: the secrets are Data Protection payloads.</summary>
internal sealed record StoredTenantSettings(string? ApiKey, string? WebhookPublicKey, string? ConnectionId, DateTimeOffset? UpdatedAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(StoredTenantSettings))]
internal sealed partial class TenantJsonContext : JsonSerializerContext;
