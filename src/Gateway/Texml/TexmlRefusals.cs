using Gateway.Core;
using Microsoft.AspNetCore.Http;

namespace Gateway.Texml;

/// <summary>
/// A TeXML request answered with problem+json instead of a document: it was not shown to come from Telnyx, was not a
/// TeXML fetch, or this replica cannot answer it right now (Telnyx then tries the application's failover URL).
/// </summary>
public static class TexmlRefusals
{
    public static Refusal Signature(SignatureCheck check) => check switch
    {
        SignatureCheck.Missing => Unauthorized("signature_missing", $"A signed request is required: {TelnyxSignatureVerifier.SignatureHeader} and {TelnyxSignatureVerifier.TimestampHeader}."),
        SignatureCheck.Stale => Unauthorized("signature_stale", $"The {TelnyxSignatureVerifier.TimestampHeader} is outside the accepted tolerance of now."),
        _ => Unauthorized("signature_invalid", $"The {TelnyxSignatureVerifier.SignatureHeader} does not verify with the Telnyx public key that applies."),
    };

    public static Refusal TooLarge(int maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, "request_too_large", "Request too large", $"A TeXML request body is at most {maxBytes} bytes.");

    public static Refusal Invalid(int statusCode, string detail) =>
        new(statusCode, "invalid_request", "Invalid TeXML request", detail);

    public static Refusal RegistryUnavailable() =>
        new(StatusCodes.Status503ServiceUnavailable, "registry_unavailable", "Registry not loaded", "The gateway has not loaded its agent registry yet.");

    public static Refusal KeyUnavailable(string org) =>
        new(StatusCodes.Status503ServiceUnavailable, "signature_key_unavailable", "Signature key unavailable", $"The Telnyx public key of organization '{org}' cannot be read right now.");

    public static Refusal TokenUnavailable() =>
        new(StatusCodes.Status503ServiceUnavailable, "stream_token_unavailable", "Stream token unavailable", "A stream token cannot be signed right now (the key ring is unreachable).");

    private static Refusal Unauthorized(string code, string detail) =>
        new(StatusCodes.Status401Unauthorized, code, "Request not signed by Telnyx", detail);
}
