using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Core;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Gateway.Credentials;

/// <summary>
/// Short-lived tokens that prove a media stream was sent by this gateway's TeXML or dial-out: an agent scope, an
/// optional call binding and an expiry, encrypted and authenticated with the Data Protection key ring every replica
/// shares (so any replica checks what another signed). A token bound to a call is single use.
/// </summary>
public sealed class StreamTokens(IDataProtectionProvider protection, ISpentStreamTokens spent, IOptions<StreamTokenOptions> options, TimeProvider time)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Gateway.Credentials.StreamToken.v1");

    /// <summary>
    /// A token for streams to <paramref name="agent"/>; with <paramref name="callId"/>, valid for one stream only.
    /// With <paramref name="sessionId"/> (dial-out), the stream's call takes that session id, the one the dial-out
    /// request answered with.
    /// </summary>
    public string Issue(AgentKey agent, string? callId = null, string? sessionId = null)
    {
        var claims = new StreamTokenClaims(
            agent.ToString(),
            callId,
            Convert.ToHexString(RandomNumberGenerator.GetBytes(12)),
            (time.GetUtcNow() + options.Value.Lifetime).ToUnixTimeSeconds(),
            sessionId);
        return _protector.Protect(JsonSerializer.Serialize(claims, StreamTokenJsonContext.Default.StreamTokenClaims));
    }

    /// <summary>Checks a token presented for a stream to <paramref name="agent"/>, spending it when it is single use.</summary>
    public async ValueTask<StreamTokenCheck> CheckAsync(string? token, AgentKey agent, CancellationToken cancellationToken = default) =>
        (await VerifyAsync(token, agent, cancellationToken)).Check;

    /// <summary><see cref="CheckAsync"/>, with the session id a valid dial-out token carries.</summary>
    public async ValueTask<StreamTokenResult> VerifyAsync(string? token, AgentKey agent, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token))
        {
            return new(StreamTokenCheck.Missing, null);
        }

        StreamTokenClaims? claims;
        try
        {
            claims = JsonSerializer.Deserialize(_protector.Unprotect(token), StreamTokenJsonContext.Default.StreamTokenClaims);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            return new(StreamTokenCheck.Forged, null);
        }

        if (claims is null)
        {
            return new(StreamTokenCheck.Forged, null);
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(claims.ExpiresAt);
        if (expiresAt <= time.GetUtcNow())
        {
            return new(StreamTokenCheck.Expired, null);
        }

        if (!string.Equals(claims.Agent, agent.ToString(), StringComparison.Ordinal))
        {
            return new(StreamTokenCheck.OtherAgent, null);
        }

        // Spent per call, not per token: a second token minted for the same call (a replayed, still-signed TeXML
        // fetch) is refused like the first one presented twice.
        if (claims.CallId is not null && !await spent.TrySpendAsync(SpendKey(claims), expiresAt, cancellationToken))
        {
            return new(StreamTokenCheck.Replayed, null);
        }

        return new(StreamTokenCheck.Valid, claims.SessionId);
    }

    private static string SpendKey(StreamTokenClaims claims) =>
        Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{claims.Agent}|{claims.CallId}")));
}

/// <summary>A token's content: short names keep the URL short.</summary>
internal sealed record StreamTokenClaims(
    [property: JsonPropertyName("a")] string Agent,
    [property: JsonPropertyName("c")] string? CallId,
    [property: JsonPropertyName("n")] string TokenId,
    [property: JsonPropertyName("e")] long ExpiresAt,
    [property: JsonPropertyName("s")] string? SessionId = null);

/// <summary>What a token proved, and the session id it assigns (dial-out tokens only).</summary>
public readonly record struct StreamTokenResult(StreamTokenCheck Check, string? SessionId);

[JsonSerializable(typeof(StreamTokenClaims))]
internal sealed partial class StreamTokenJsonContext : JsonSerializerContext;
