using System.Buffers;
using System.Globalization;
using System.Text;
using Gateway.Telnyx;
using Microsoft.Extensions.Options;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Gateway.Texml;

/// <summary>What a Telnyx webhook signature proved.</summary>
public enum SignatureCheck
{
    Valid,

    /// <summary>No <c>telnyx-signature-ed25519</c> or no <c>telnyx-timestamp</c>.</summary>
    Missing,

    /// <summary>Not a signature by the key that applies over this timestamp and body (or not a signature at all).</summary>
    Invalid,

    /// <summary>Genuine, but its timestamp is further from now than <c>Telnyx:SignatureTolerance</c>.</summary>
    Stale,
}

/// <summary>
/// Telnyx's webhook signature: Ed25519 over the UTF-8 bytes of <c>"{telnyx-timestamp}|{raw body}"</c>, with the
/// account's raw 32-byte public key.
/// </summary>
public sealed class TelnyxSignatureVerifier(TimeProvider time, IOptions<TelnyxOptions> options)
{
    public const string SignatureHeader = "telnyx-signature-ed25519";
    public const string TimestampHeader = "telnyx-timestamp";

    private const int SignatureBytes = 64;

    /// <param name="publicKey">Base64 of the raw 32-byte Ed25519 public key.</param>
    /// <param name="signature">The <c>telnyx-signature-ed25519</c> header: base64 of 64 bytes.</param>
    /// <param name="timestamp">The <c>telnyx-timestamp</c> header: Unix seconds, exactly as sent (it is part of what was signed).</param>
    /// <param name="body">The request body exactly as received; empty for a GET.</param>
    public SignatureCheck Verify(string publicKey, string? signature, string? timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        if (string.IsNullOrEmpty(signature) || string.IsNullOrEmpty(timestamp))
        {
            return SignatureCheck.Missing;
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var signedAt)
            || !TryDecode(signature, SignatureBytes, out var signatureBytes)
            || !TryParseKey(publicKey, out var key))
        {
            return SignatureCheck.Invalid;
        }

        var signer = new Ed25519Signer();
        signer.Init(forSigning: false, key);
        var prefixLength = Encoding.UTF8.GetByteCount(timestamp) + 1;
        var prefix = ArrayPool<byte>.Shared.Rent(prefixLength);
        try
        {
            Encoding.UTF8.GetBytes(timestamp, prefix);
            prefix[prefixLength - 1] = (byte)'|';
            signer.BlockUpdate(prefix.AsSpan(0, prefixLength));
            signer.BlockUpdate(body);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(prefix);
        }

        if (!signer.VerifySignature(signatureBytes))
        {
            return SignatureCheck.Invalid;
        }

        // Checked after the signature, so that "stale" always means a genuine request with a clock problem (Telnyx's
        // retry queue or this host's clock), never a forgery: that is what an operator reading the code needs to know.
        // Whole seconds on both sides, as Telnyx's SDKs compare them.
        var skew = Math.Abs(time.GetUtcNow().ToUnixTimeSeconds() - signedAt);
        return skew > (long)options.Value.SignatureTolerance.TotalSeconds ? SignatureCheck.Stale : SignatureCheck.Valid;
    }

    private static bool TryParseKey(string publicKey, out Ed25519PublicKeyParameters key)
    {
        key = null!;
        if (!TryDecode(publicKey, Ed25519PublicKeyParameters.KeySize, out var bytes))
        {
            return false;
        }

        try
        {
            key = new Ed25519PublicKeyParameters(bytes);
            return true;
        }
        catch (ArgumentException)
        {
            // 32 bytes that are not a point on the curve: no signature can be valid for it.
            return false;
        }
    }

    private static bool TryDecode(string base64, int length, out byte[] bytes)
    {
        bytes = new byte[length];
        Span<byte> decoded = stackalloc byte[length + 3];
        if (!Convert.TryFromBase64String(base64, decoded, out var written) || written != length)
        {
            return false;
        }

        decoded[..length].CopyTo(bytes);
        return true;
    }
}
