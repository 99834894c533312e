using System.ComponentModel.DataAnnotations;
using System.Text;

namespace Gateway.Auth;

/// <summary>
/// How admin API tokens are validated: <see cref="Authority"/> (an OpenID Connect issuer, for production) or
/// <see cref="SigningKey"/> (HS256, for development and tests). With neither, every admin request answers 401.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string SectionName = "Auth";

    public const int SigningKeyMinBytes = 32;

    /// <summary>OIDC issuer whose discovery document and keys validate tokens.</summary>
    public Uri? Authority { get; set; }

    /// <summary>A shared HS256 key, a UTF-8 string of at least 32 bytes.</summary>
    public string? SigningKey { get; set; }

    [Required]
    public string Issuer { get; set; } = "gateway";

    [Required]
    public string Audience { get; set; } = "gateway";

    /// <summary>Whether the authority's metadata must be fetched over HTTPS (turn off only for a local test issuer).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool IsConfigured => Authority is not null || !string.IsNullOrEmpty(SigningKey);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(SigningKey) && Encoding.UTF8.GetByteCount(SigningKey) < SigningKeyMinBytes)
        {
            yield return new ValidationResult($"Auth:SigningKey must be at least {SigningKeyMinBytes} bytes of UTF-8.", [nameof(SigningKey)]);
        }

        if (Authority is not null && !string.IsNullOrEmpty(SigningKey))
        {
            yield return new ValidationResult("Set Auth:Authority or Auth:SigningKey, not both: tokens are validated one way.", [nameof(Authority), nameof(SigningKey)]);
        }

        if (Authority is { IsAbsoluteUri: false })
        {
            yield return new ValidationResult("Auth:Authority must be an absolute URL.", [nameof(Authority)]);
        }
    }
}
