using System.Security.Claims;

namespace Gateway.Core;

/// <summary>The token claims that grant rights on the admin API.</summary>
public static class GatewayClaims
{
    public const string Role = "role";

    /// <summary>The value of <see cref="Role"/> that manages every organization.</summary>
    public const string PlatformAdmin = "platform-admin";

    /// <summary>The organization a tenant token manages.</summary>
    public const string Org = "org";

    /// <summary>
    /// The authorization policy of the admin API: a valid token that manages something (platform-admin, or at least one
    /// org). A token that grants nothing answers 403 on every route, the organization list included.
    /// </summary>
    public const string ManagesSomethingPolicy = "manages-something";

    public static bool IsPlatformAdmin(this ClaimsPrincipal user) => user.HasClaim(Role, PlatformAdmin);

    /// <summary>The organizations a token manages, beside platform-admin rights: usually one.</summary>
    public static IEnumerable<string> Orgs(this ClaimsPrincipal user) => user.FindAll(Org).Select(claim => claim.Value);
}
