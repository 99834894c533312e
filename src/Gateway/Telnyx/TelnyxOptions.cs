using System.ComponentModel.DataAnnotations;

namespace Gateway.Telnyx;

/// <summary>Platform-wide Telnyx settings; each organization's own account is in its tenant settings.</summary>
public sealed class TelnyxOptions : IValidatableObject
{
    public const string SectionName = "Telnyx";

    /// <summary>Telnyx's REST API; tests point it at a local fake.</summary>
    [Required]
    public Uri ApiBaseUrl { get; set; } = new("https://api.telnyx.com");

    /// <summary>
    /// The platform's own Telnyx API key, for organizations that have none of their own (a platform that runs every
    /// tenant on one Telnyx account). An organization's key, when set, always wins.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>The API key to use for an organization: its own, else the platform's.</summary>
    public string? ApiKeyFor(Tenants.TenantTelnyxSettings? tenant) => tenant?.ApiKey ?? (string.IsNullOrEmpty(ApiKey) ? null : ApiKey);

    /// <summary>
    /// Base64 of the Ed25519 public key of the platform's Telnyx account. When set (or when an organization has its
    /// own), TeXML requests must carry a valid <c>telnyx-signature-ed25519</c>.
    /// </summary>
    public string? PublicKey { get; set; }

    /// <summary>How far a signed request's <c>telnyx-timestamp</c> may be from now.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan SignatureTolerance { get; set; } = TimeSpan.FromSeconds(300);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(PublicKey) && !IsEd25519PublicKey(PublicKey))
        {
            yield return new ValidationResult("Telnyx:PublicKey must be the base64 of a 32-byte Ed25519 public key.", [nameof(PublicKey)]);
        }

        if (!string.IsNullOrEmpty(ApiKey) && !IsSendableApiKey(ApiKey))
        {
            yield return new ValidationResult("Telnyx:ApiKey must be " + ApiKeyRule, [nameof(ApiKey)]);
        }

        if (!ApiBaseUrl.IsAbsoluteUri || (ApiBaseUrl.Scheme != Uri.UriSchemeHttps && ApiBaseUrl.Scheme != Uri.UriSchemeHttp))
        {
            yield return new ValidationResult("Telnyx:ApiBaseUrl must be an absolute http(s) URL.", [nameof(ApiBaseUrl)]);
        }
    }

    public const int ApiKeyMaxLength = 512;

    /// <summary>The rule an API key obeys, as a refusal words it.</summary>
    public const string ApiKeyRule = "1 to 512 printable ASCII characters (no spaces): it travels in an HTTP header.";

    /// <summary>
    /// Whether an API key can be sent at all: it rides in the <c>Authorization</c> header, which carries printable
    /// ASCII only. A key copied with a stray "…" or a line break would otherwise fail every request to Telnyx.
    /// </summary>
    public static bool IsSendableApiKey(string? value) =>
        value is { Length: > 0 and <= ApiKeyMaxLength } && value.All(c => c is > ' ' and <= '~');

    /// <summary>Whether a string is what Telnyx's portal shows as the account's public key.</summary>
    public static bool IsEd25519PublicKey(string value)
    {
        Span<byte> key = stackalloc byte[33];
        return Convert.TryFromBase64String(value, key, out var length) && length == 32;
    }
}
