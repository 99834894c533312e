using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace Gateway.Credentials;

/// <summary>
/// The credential a bot gets for its own call (header <c>X-Gateway-Session-Token</c> on the bot hop) and presents as
/// its Telnyx API key to <c>/v2/calls/{id}/actions/…</c>. It names the session, authenticated with the Data
/// Protection key ring every replica shares, so any replica can check it with no stored secret; it is good exactly
/// as long as the session record lives.
/// </summary>
public sealed class SessionCredentials(IDataProtectionProvider protection)
{
    public const string HeaderName = "X-Gateway-Session-Token";

    private readonly IDataProtector _protector = protection.CreateProtector("Gateway.CallControl.SessionCredential.v1");

    public string Issue(string sessionId) => _protector.Protect(sessionId);

    /// <returns>The session the credential was issued for, or null when it was not issued by this gateway.</returns>
    public string? TryRead(string? credential)
    {
        if (string.IsNullOrEmpty(credential))
        {
            return null;
        }

        try
        {
            return _protector.Unprotect(credential);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
