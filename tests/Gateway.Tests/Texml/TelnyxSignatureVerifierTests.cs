using System.Text;
using Gateway.Telnyx;
using Gateway.Tests.Infrastructure;
using Gateway.Texml;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Texml;

/// <summary>
/// Telnyx's Ed25519 webhook signature. The fixed vector was made with OpenSSL 3 (<c>openssl genpkey -algorithm ed25519</c>,
/// <c>openssl pkeyutl -sign -rawin</c>), an implementation independent of the BouncyCastle code under test.
/// </summary>
public sealed class TelnyxSignatureVerifierTests
{
    private const string OpenSslPublicKey = "agQL9275Awc0ICAyoco6hbAuNpSkjSRIgYG84JvM9rU=";
    private const string OpenSslSignature = "8SzKPhE+DRHNtwLEkrCtgFj2+N7pbSavJW+tsZK85XrkXxhQUHvBfETQJUxdAIa8KZ98Gn3wfbiI2u4kHqDZAQ==";
    private const string OpenSslTimestamp = "1700000000";
    private const long SignedAt = 1_700_000_000;

    private static readonly byte[] OpenSslBody = Encoding.UTF8.GetBytes(
        "AccountSid=6a9a7976-012e-45d2-9258-6f5dc68d861e&CallSid=v3%3Aabc&From=%2B13122010091&To=%2B13122010090");

    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    [InlineData(-300)]
    public void A_signature_by_the_key_within_the_tolerance_is_valid(long skewSeconds)
    {
        Assert.Equal(SignatureCheck.Valid, Verifier(SignedAt + skewSeconds).Verify(OpenSslPublicKey, OpenSslSignature, OpenSslTimestamp, OpenSslBody));
    }

    [Theory]
    [InlineData(301)]
    [InlineData(-301)]
    [InlineData(86_400)]
    public void A_genuine_signature_outside_the_tolerance_is_stale(long skewSeconds)
    {
        Assert.Equal(SignatureCheck.Stale, Verifier(SignedAt + skewSeconds).Verify(OpenSslPublicKey, OpenSslSignature, OpenSslTimestamp, OpenSslBody));
    }

    [Fact]
    public void The_tolerance_is_configurable()
    {
        var verifier = new TelnyxSignatureVerifier(new FixedClock(SignedAt + 31), Options.Create(new TelnyxOptions { SignatureTolerance = TimeSpan.FromSeconds(30) }));

        Assert.Equal(SignatureCheck.Stale, verifier.Verify(OpenSslPublicKey, OpenSslSignature, OpenSslTimestamp, OpenSslBody));
    }

    [Fact]
    public void One_byte_of_the_body_changed_is_invalid()
    {
        var altered = (byte[])OpenSslBody.Clone();
        altered[^1] = (byte)'1';

        Assert.Equal(SignatureCheck.Invalid, Verifier(SignedAt).Verify(OpenSslPublicKey, OpenSslSignature, OpenSslTimestamp, altered));
    }

    [Fact]
    public void The_body_re_encoded_is_invalid_the_raw_bytes_are_what_was_signed()
    {
        var reencoded = Encoding.UTF8.GetBytes("AccountSid=6a9a7976-012e-45d2-9258-6f5dc68d861e&CallSid=v3:abc&From=%2B13122010091&To=%2B13122010090");

        Assert.Equal(SignatureCheck.Invalid, Verifier(SignedAt).Verify(OpenSslPublicKey, OpenSslSignature, OpenSslTimestamp, reencoded));
    }

    [Theory]
    [InlineData("1700000001")]
    [InlineData("01700000000")]
    public void Another_timestamp_than_the_signed_one_is_invalid(string timestamp)
    {
        Assert.Equal(SignatureCheck.Invalid, Verifier(SignedAt).Verify(OpenSslPublicKey, OpenSslSignature, timestamp, OpenSslBody));
    }

    [Theory]
    [InlineData(" 1700000000")]
    [InlineData("+1700000000")]
    [InlineData("-1")]
    [InlineData("1.7e9")]
    [InlineData("soon")]
    [InlineData("99999999999999999999")]
    public void A_timestamp_that_is_not_unix_seconds_is_invalid(string timestamp)
    {
        Assert.Equal(SignatureCheck.Invalid, Verifier(SignedAt).Verify(OpenSslPublicKey, OpenSslSignature, timestamp, OpenSslBody));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    [InlineData("8SzKPhE+DRHNtwLEkrCtgFj2+N7pbSavJW+tsZK85XrkXxhQUHvBfETQJUxdAIa8KZ98Gn3wfbiI2u4kHqDZ")] // 63 bytes
    [InlineData("8SzKPhE+DRHNtwLEkrCtgFj2+N7pbSavJW+tsZK85XrkXxhQUHvBfETQJUxdAIa8KZ98Gn3wfbiI2u4kHqDZAQAA")] // 66 bytes
    [InlineData("9SzKPhE+DRHNtwLEkrCtgFj2+N7pbSavJW+tsZK85XrkXxhQUHvBfETQJUxdAIa8KZ98Gn3wfbiI2u4kHqDZAQ==")] // one bit flipped
    public void A_signature_that_is_not_64_bytes_by_the_key_is_invalid(string signature)
    {
        Assert.Equal(SignatureCheck.Invalid, Verifier(SignedAt).Verify(OpenSslPublicKey, signature, OpenSslTimestamp, OpenSslBody));
    }

    [Fact]
    public void Another_accounts_key_is_invalid()
    {
        var other = new TelnyxSigner();

        Assert.Equal(SignatureCheck.Invalid, Verifier(SignedAt).Verify(other.PublicKey, OpenSslSignature, OpenSslTimestamp, OpenSslBody));
        Assert.Equal(SignatureCheck.Invalid, Verifier(SignedAt).Verify(OpenSslPublicKey, other.Sign(OpenSslTimestamp, OpenSslBody), OpenSslTimestamp, OpenSslBody));
    }

    [Theory]
    [InlineData("")]
    [InlineData("agQL9275Awc0ICAyoco6hbAuNpSkjSRIgYG84JvM")] // 30 bytes
    [InlineData("AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")] // y = 2: no point on the curve has it
    [InlineData("7f///////////////////////////////////////38=")] // y = p: not a canonical encoding
    public void A_public_key_that_is_not_an_Ed25519_key_verifies_nothing(string publicKey)
    {
        Assert.Equal(SignatureCheck.Invalid, Verifier(SignedAt).Verify(publicKey, OpenSslSignature, OpenSslTimestamp, OpenSslBody));
    }

    [Theory]
    [InlineData(null, OpenSslTimestamp)]
    [InlineData("", OpenSslTimestamp)]
    [InlineData(OpenSslSignature, null)]
    [InlineData(OpenSslSignature, "")]
    [InlineData(null, null)]
    public void A_missing_header_is_missing(string? signature, string? timestamp)
    {
        Assert.Equal(SignatureCheck.Missing, Verifier(SignedAt).Verify(OpenSslPublicKey, signature, timestamp, OpenSslBody));
    }

    [Fact]
    public void A_GET_signs_the_timestamp_and_an_empty_body()
    {
        var signer = new TelnyxSigner();

        Assert.Equal(SignatureCheck.Valid, Verifier(SignedAt).Verify(signer.PublicKey, signer.Sign(OpenSslTimestamp, []), OpenSslTimestamp, []));
        Assert.Equal(SignatureCheck.Invalid, Verifier(SignedAt).Verify(signer.PublicKey, signer.Sign(OpenSslTimestamp, []), OpenSslTimestamp, "x"u8));
    }

    private static TelnyxSignatureVerifier Verifier(long nowUnixSeconds) =>
        new(new FixedClock(nowUnixSeconds), Options.Create(new TelnyxOptions()));

    /// <summary>A stopped clock, half a second past the whole second: the comparison is in whole seconds, as Telnyx's SDKs make it.</summary>
    private sealed class FixedClock(long unixSeconds) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeSeconds(unixSeconds).AddMilliseconds(500);
    }
}
