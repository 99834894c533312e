namespace Gateway.Tenants;

/// <summary>
/// An organization's Telnyx account as the gateway uses it: the API key for dial-out and call control, the public
/// key that verifies Telnyx's signed requests, and the default connection (TeXML application or Call Control app)
/// for dial-out. The two keys are write-only through the admin API and encrypted in Redis.
/// </summary>
public sealed record TenantTelnyxSettings
{
    public string? ApiKey { get; init; }

    /// <summary>Base64 of the raw 32-byte Ed25519 public key from Telnyx's portal.</summary>
    public string? WebhookPublicKey { get; init; }

    public string? ConnectionId { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }
}
