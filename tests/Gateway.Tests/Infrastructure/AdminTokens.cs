using System.Security.Claims;
using Gateway.Auth;
using Gateway.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Tests.Infrastructure;

/// <summary>Admin API tokens for tests, minted the way the token command mints them, and the settings that trust them.</summary>
public static class AdminTokens
{
    /// <summary>The HS256 key test gateways trust: 44 bytes of UTF-8, above the 32-byte minimum.</summary>
    public const string SigningKey = "gateway-tests-signing-key-0123456789abcdefgh";

    /// <summary>A key no test gateway trusts, as long as the real one: a token signed with it is forged.</summary>
    public const string ForgedKey = "someone-elses-signing-key-0123456789abcdefgh";

    /// <summary>Gateway settings that validate tokens signed with <see cref="SigningKey"/>, plus any extra ones.</summary>
    public static Dictionary<string, string?> Settings(IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?> { ["Auth:SigningKey"] = SigningKey };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public static string PlatformAdmin() => Mint(org: null, platformAdmin: true);

    public static string ForOrg(string org) => Mint(org, platformAdmin: false);

    /// <summary>A token with every default a test may change: key, issuer, audience, clock and lifetime.</summary>
    public static string Mint(
        string? org,
        bool platformAdmin,
        string key = SigningKey,
        string issuer = "gateway",
        string audience = "gateway",
        TimeProvider? time = null,
        TimeSpan? lifetime = null) =>
        DevelopmentTokens.Mint(
            new AuthOptions { SigningKey = key, Issuer = issuer, Audience = audience },
            org,
            platformAdmin,
            lifetime ?? TimeSpan.FromHours(1),
            time ?? TimeProvider.System,
            subject: "gateway-tests");

    /// <summary>A token with no signature at all (<c>alg: none</c>) claiming platform-admin rights, right issuer and audience.</summary>
    public static string WithoutSignature() =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "gateway",
            Audience = "gateway",
            Subject = new ClaimsIdentity([new Claim(GatewayClaims.Role, GatewayClaims.PlatformAdmin)]),
            Expires = DateTime.UtcNow.AddHours(1),
        });
}
