using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Gateway.Texml;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Gateway.Cli;

/// <summary>
/// <c>texml sign</c> and <c>texml public-key</c>: sign a TeXML request as Telnyx would, so that a newcomer can try the
/// gateway's signature checks without a Telnyx account. Telnyx's scheme (<see cref="TelnyxSignatureVerifier"/>):
/// Ed25519 over <c>"{timestamp}|{raw body}"</c>. Without <c>--private-key</c> the key is a fixed test key, public on
/// purpose: never configure its public key on a gateway that takes real calls.
/// </summary>
internal static class TexmlSignCommand
{
    /// <summary>The test key's 32-byte seed: SHA-256 of a fixed phrase, so every checkout signs alike.</summary>
    private static readonly byte[] TestSeed = SHA256.HashData("telnyx-gateway public test key: never trust it in production"u8);

    public static Command Create(TextWriter output, TextWriter error, TimeProvider time)
    {
        var privateKey = new Option<string?>("--private-key")
        {
            Description = "Base64 of a 32-byte Ed25519 private key (seed); default: the fixed test key",
            Recursive = true,
        };
        var body = new Option<string>("--body")
        {
            Description = "The raw form body exactly as it will be sent (empty for a GET)",
            DefaultValueFactory = _ => string.Empty,
        };
        var timestamp = new Option<long?>("--timestamp") { Description = "Unix seconds to sign with; default: now" };

        var sign = new Command("sign", "Print the telnyx-signature-ed25519 and telnyx-timestamp headers for a request body, one per line") { body, timestamp };
        sign.SetAction(parse =>
        {
            if (!TryKey(parse.GetValue(privateKey), error, out var key))
            {
                return ExitCodes.Usage;
            }

            var signedAt = (parse.GetValue(timestamp) ?? time.GetUtcNow().ToUnixTimeSeconds()).ToString(CultureInfo.InvariantCulture);
            var message = Encoding.UTF8.GetBytes($"{signedAt}|{parse.GetValue(body)}");
            var signer = new Ed25519Signer();
            signer.Init(forSigning: true, key);
            signer.BlockUpdate(message, 0, message.Length);
            output.WriteLine($"{TelnyxSignatureVerifier.SignatureHeader}: {Convert.ToBase64String(signer.GenerateSignature())}");
            output.WriteLine($"{TelnyxSignatureVerifier.TimestampHeader}: {signedAt}");
            return ExitCodes.Ok;
        });

        var publicKey = new Command("public-key", "Print the public key that checks these signatures (base64, for Telnyx:PublicKey or an organization's webhookPublicKey)");
        publicKey.SetAction(parse =>
        {
            if (!TryKey(parse.GetValue(privateKey), error, out var key))
            {
                return ExitCodes.Usage;
            }

            output.WriteLine(Convert.ToBase64String(key.GeneratePublicKey().GetEncoded()));
            return ExitCodes.Ok;
        });

        return new Command("texml", "Sign TeXML requests as Telnyx does, to try the gateway's signature checks") { privateKey, sign, publicKey };
    }

    private static bool TryKey(string? base64, TextWriter error, out Ed25519PrivateKeyParameters key)
    {
        var seed = TestSeed;
        if (base64 is not null)
        {
            var decoded = new byte[Ed25519PrivateKeyParameters.KeySize];
            if (!Convert.TryFromBase64String(base64, decoded, out var written) || written != Ed25519PrivateKeyParameters.KeySize)
            {
                error.WriteLine($"error: --private-key must be base64 of {Ed25519PrivateKeyParameters.KeySize} bytes.");
                key = null!;
                return false;
            }

            seed = decoded;
        }

        key = new Ed25519PrivateKeyParameters(seed);
        return true;
    }
}
