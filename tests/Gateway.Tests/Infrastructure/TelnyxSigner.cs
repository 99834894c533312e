using System.Globalization;
using System.Text;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Gateway.Tests.Infrastructure;

/// <summary>A Telnyx account's webhook signing key, as Telnyx signs: Ed25519 over <c>"{timestamp}|{raw body}"</c>.</summary>
public sealed class TelnyxSigner
{
    private readonly Ed25519PrivateKeyParameters _privateKey;

    public TelnyxSigner()
    {
        var generator = new Ed25519KeyPairGenerator();
        generator.Init(new Ed25519KeyGenerationParameters(new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        _privateKey = (Ed25519PrivateKeyParameters)pair.Private;
        PublicKey = Convert.ToBase64String(((Ed25519PublicKeyParameters)pair.Public).GetEncoded());
    }

    /// <summary>Base64 of the raw 32-byte public key, as Telnyx's portal shows it.</summary>
    public string PublicKey { get; }

    /// <summary>The <c>telnyx-signature-ed25519</c> value for a timestamp and body.</summary>
    public string Sign(string timestamp, byte[] body)
    {
        var signer = new Ed25519Signer();
        signer.Init(forSigning: true, _privateKey);
        var prefix = Encoding.UTF8.GetBytes(timestamp + "|");
        signer.BlockUpdate(prefix, 0, prefix.Length);
        signer.BlockUpdate(body, 0, body.Length);
        return Convert.ToBase64String(signer.GenerateSignature());
    }

    /// <summary>Both signature headers for a request sent at <paramref name="at"/>.</summary>
    public Dictionary<string, string> Headers(DateTimeOffset at, byte[] body)
    {
        var timestamp = at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, string>
        {
            ["telnyx-signature-ed25519"] = Sign(timestamp, body),
            ["telnyx-timestamp"] = timestamp,
        };
    }
}
