using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Registry;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace Gateway.StreamAuth;

/// <summary>
/// Short-lived tokens that prove a media stream was sent by this gateway's TeXML or dial-out: an agent scope, an
/// optional call binding and an expiry, encrypted and authenticated with the Data Protection key ring every replica
/// shares (so any replica checks what another signed). A token bound to a call is single use.
/// </summary>
public sealed class StreamTokens(IDataProtectionProvider protection, ISpentStreamTokens spent, IOptions<StreamTokenOptions> options, TimeProvider time)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Gateway.StreamAuth.StreamToken.v1");

    /// <summary>A token for streams to <paramref name="agent"/>; with <paramref name="callId"/>, valid for one stream only.</summary>
    public string Issue(AgentKey agent, string? callId = null)
    {
        var claims = new StreamTokenClaims(
            agent.ToString(),
            callId,
            Convert.ToHexString(RandomNumberGenerator.GetBytes(12)),
            (time.GetUtcNow() + options.Value.Lifetime).ToUnixTimeSeconds());
        return _protector.Protect(JsonSerializer.Serialize(claims, StreamTokenJsonContext.Default.StreamTokenClaims));
    }

    /// <summary>Checks a token presented for a stream to <paramref name="agent"/>, spending it when it is single use.</summary>
    public async ValueTask<StreamTokenCheck> CheckAsync(string? token, AgentKey agent, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrEmpty(token))
        {
            return StreamTokenCheck.Missing;
        }

        StreamTokenClaims? claims;
        try
        {
            claims = JsonSerializer.Deserialize(_protector.Unprotect(token), StreamTokenJsonContext.Default.StreamTokenClaims);
        }
        catch (Exception e) when (e is CryptographicException or FormatException or JsonException)
        {
            return StreamTokenCheck.Forged;
        }

        if (claims is null)
        {
            return StreamTokenCheck.Forged;
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(claims.ExpiresAt);
        if (expiresAt <= time.GetUtcNow())
        {
            return StreamTokenCheck.Expired;
        }

        if (!string.Equals(claims.Agent, agent.ToString(), StringComparison.Ordinal))
        {
            return StreamTokenCheck.OtherAgent;
        }

        if (claims.CallId is not null && !await spent.TrySpendAsync(claims.TokenId, expiresAt, cancellationToken))
        {
            return StreamTokenCheck.Replayed;
        }

        return StreamTokenCheck.Valid;
    }
}

/// <summary>A token's content: short names keep the URL short.</summary>
internal sealed record StreamTokenClaims(
    [property: JsonPropertyName("a")] string Agent,
    [property: JsonPropertyName("c")] string? CallId,
    [property: JsonPropertyName("n")] string TokenId,
    [property: JsonPropertyName("e")] long ExpiresAt);

[JsonSerializable(typeof(StreamTokenClaims))]
internal sealed partial class StreamTokenJsonContext : JsonSerializerContext;
