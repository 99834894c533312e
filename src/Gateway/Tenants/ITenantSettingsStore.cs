namespace Gateway.Tenants;

/// <summary>Where organizations' Telnyx settings live: Redis (encrypted) or this process with no Redis.</summary>
public interface ITenantSettingsStore
{
    Task<TenantTelnyxSettings?> GetAsync(string org, CancellationToken cancellationToken = default);

    Task PutAsync(string org, TenantTelnyxSettings settings, CancellationToken cancellationToken = default);

    /// <returns>False when the organization had no settings.</returns>
    Task<bool> DeleteAsync(string org, CancellationToken cancellationToken = default);
}
