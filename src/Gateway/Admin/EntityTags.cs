using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Registry;
using Gateway.Tenants;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Admin;

/// <summary>
/// Optimistic concurrency on agents. The ETag is a hash of the agent's settings with the instances' heartbeat expiries
/// left out: a bot pod renewing its registration every few seconds changes no ETag, so an operator's If-Match holds
/// until someone changes what the agent is. <c>If-Match</c> writes only over that content, <c>If-None-Match: *</c>
/// only creates.
/// </summary>
internal static class EntityTags
{
    public static string For(AgentResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var settings = resource with { Instances = [.. resource.Instances.Select(i => i with { ExpiresAt = null })] };
        var hash = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(settings, RegistryJsonContext.Default.AgentResource));
        return $"\"{Convert.ToHexStringLower(hash.AsSpan(0, 12))}\"";
    }

    /// <summary>
    /// An organization's Telnyx settings: their write time and what a read shows of them, never a hash of a secret
    /// (a tag is readable by whoever reads the settings, and would let a guessed key be checked offline).
    /// </summary>
    public static string For(TenantTelnyxSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var shown = string.Create(CultureInfo.InvariantCulture, $"{settings.UpdatedAt:O}|{settings.ApiKey is not null}|{settings.WebhookPublicKey is not null}|{settings.ConnectionId}");
        return $"\"{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(shown)).AsSpan(0, 12))}\"";
    }

    /// <summary>The request's conditions, read once.</summary>
    public static Precondition Read(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ifNoneMatch = request.Headers[HeaderNames.IfNoneMatch].ToString().Trim();
        var ifMatch = request.Headers[HeaderNames.IfMatch].ToString().Trim();
        return new Precondition(
            CreateOnly: ifNoneMatch == "*",
            IfMatch: ifMatch.Length == 0 ? null : [.. ifMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)]);
    }

    /// <summary>What <c>If-Match</c> and <c>If-None-Match: *</c> ask of the agent's current state.</summary>
    internal sealed record Precondition(bool CreateOnly, IReadOnlyList<string>? IfMatch)
    {
        public bool IsConditional => CreateOnly || IfMatch is not null;

        /// <summary>Whether the agent as it is now (null: absent) satisfies the conditions. Weak tags never match.</summary>
        public bool HoldsFor(AgentResource? current) =>
            IfMatch is null ? !(CreateOnly && current is not null) : HoldsFor(current is null ? null : For(current));

        /// <summary>Whether the resource whose tag is <paramref name="current"/> (null: absent) satisfies the conditions.</summary>
        public bool HoldsFor(string? current)
        {
            if (CreateOnly && current is not null)
            {
                return false;
            }

            if (IfMatch is null)
            {
                return true;
            }

            return current is not null && (IfMatch.Contains("*") || IfMatch.Contains(current));
        }
    }
}
