using System.Collections.Concurrent;

namespace Gateway.Tenants;

/// <summary>Tenant settings of a gateway with no Redis: in this process only, never written anywhere.</summary>
public sealed class InMemoryTenantSettingsStore : ITenantSettingsStore
{
    private readonly ConcurrentDictionary<string, TenantTelnyxSettings> _settings = new(StringComparer.Ordinal);

    public Task<TenantTelnyxSettings?> GetAsync(string org, CancellationToken cancellationToken = default) =>
        Task.FromResult(_settings.GetValueOrDefault(org));

    public Task PutAsync(string org, TenantTelnyxSettings settings, CancellationToken cancellationToken = default)
    {
        _settings[org] = settings;
        return Task.CompletedTask;
    }

    public Task<bool> ReplaceAsync(string org, TenantTelnyxSettings? expected, TenantTelnyxSettings settings, CancellationToken cancellationToken = default) =>
        Task.FromResult(expected is null ? _settings.TryAdd(org, settings) : _settings.TryUpdate(org, settings, expected));

    public Task<bool> DeleteAsync(string org, CancellationToken cancellationToken = default) =>
        Task.FromResult(_settings.TryRemove(org, out _));
}
