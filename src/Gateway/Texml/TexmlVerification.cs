using Gateway.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Texml;

/// <summary>
/// Whether a TeXML request is shown to come from Telnyx: signed with the key that applies to its organization (or the
/// platform's), or unsigned where no key applies. A key that cannot be read right now refuses rather than guesses.
/// </summary>
public sealed class TexmlVerification(WebhookKeys webhookKeys, TelnyxSignatureVerifier verifier, ILogger<TexmlHandler> logger)
{
    /// <param name="org">The organization the request is for; null when none is known (an unknown number or agent name).</param>
    /// <param name="known">Whether the organization has agents (see <see cref="WebhookKeys.ForAsync"/>).</param>
    /// <returns>Null when verified, else the refusal.</returns>
    public async ValueTask<Refusal?> VerifyAsync(HttpContext context, TexmlRequest request, string? org, bool known)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(request);
        var key = await webhookKeys.ForAsync(org, known, context.RequestAborted);
        if (!key.Available)
        {
            return TexmlRefusals.KeyUnavailable(org ?? string.Empty);
        }

        if (key.Key is null)
        {
            return null;
        }

        var headers = context.Request.Headers;
        var check = verifier.Verify(
            key.Key,
            headers[TelnyxSignatureVerifier.SignatureHeader].ToString(),
            headers[TelnyxSignatureVerifier.TimestampHeader].ToString(),
            request.RawBody);
        if (check == SignatureCheck.Valid)
        {
            return null;
        }

        var refusal = TexmlRefusals.Signature(check);
        TexmlLog.SignatureRefused(logger, context.Request.Method, context.Request.Path, refusal.Code, context.Connection.RemoteIpAddress?.ToString());
        return refusal;
    }
}
