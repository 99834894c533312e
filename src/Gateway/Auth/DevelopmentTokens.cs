using System.Security.Claims;
using System.Text;
using Gateway.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Gateway.Auth;

/// <summary>Mints admin API tokens signed with <c>Auth:SigningKey</c>, for development, tests and scripts.</summary>
public static class DevelopmentTokens
{
    /// <param name="org">The organization the token manages; null with <paramref name="platformAdmin"/>.</param>
    public static string Mint(AuthOptions options, string? org, bool platformAdmin, TimeSpan lifetime, TimeProvider time, string subject = "gateway-cli")
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            throw new InvalidOperationException("Auth:SigningKey is not set: only a gateway that validates HS256 tokens can mint them.");
        }

        var claims = new List<Claim> { new("sub", subject) };
        if (org is not null)
        {
            claims.Add(new Claim(GatewayClaims.Org, org));
        }

        if (platformAdmin)
        {
            claims.Add(new Claim(GatewayClaims.Role, GatewayClaims.PlatformAdmin));
        }

        var now = time.GetUtcNow().UtcDateTime;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Subject = new ClaimsIdentity(claims),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(options.SigningKey)), SecurityAlgorithms.HmacSha256),
        });
    }
}
