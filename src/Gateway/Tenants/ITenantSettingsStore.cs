namespace Gateway.Tenants;

/// <summary>Where organizations' Telnyx settings live: Redis (encrypted) or this process with no Redis.</summary>
public interface ITenantSettingsStore
{
    Task<TenantTelnyxSettings?> GetAsync(string org, CancellationToken cancellationToken = default);

    Task PutAsync(string org, TenantTelnyxSettings settings, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes <paramref name="settings"/> only over <paramref name="expected"/>, the settings as read (null: none), so
    /// that a read-change-write never overwrites another writer's change in between.
    /// </summary>
    /// <returns>False when the stored settings are no longer <paramref name="expected"/>; nothing was written.</returns>
    Task<bool> ReplaceAsync(string org, TenantTelnyxSettings? expected, TenantTelnyxSettings settings, CancellationToken cancellationToken = default);

    /// <returns>False when the organization had no settings.</returns>
    Task<bool> DeleteAsync(string org, CancellationToken cancellationToken = default);
}
