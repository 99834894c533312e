using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Gateway.Telnyx;
using Gateway.Tenants;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Texml;

/// <summary>The public key a TeXML request must be signed with: read, or unknown right now.</summary>
/// <param name="Key">Base64 of the Ed25519 key; null when no key applies and requests go unverified.</param>
/// <param name="Available">False when the organization's settings cannot be read and no earlier reading is known.</param>
public readonly record struct WebhookKey(string? Key, bool Available);

/// <summary>
/// Which Telnyx public key verifies a request for an organization: its own <c>webhookPublicKey</c> when set, else the
/// platform's <c>Telnyx:PublicKey</c>, else none.
/// </summary>
public sealed partial class WebhookKeys(ITenantSettingsStore tenants, IOptions<TelnyxOptions> telnyx, ILogger<WebhookKeys> logger)
{
    // What was last read per organization (its key, or null for none of its own), for while Redis is unreachable: calls
    // keep being answered as they were a moment ago. Only organizations with a key or with agents land here, so
    // requests naming made-up organizations cannot grow it.
    private readonly ConcurrentDictionary<string, string?> _lastRead = new(StringComparer.Ordinal);

    private string? PlatformKey => string.IsNullOrEmpty(telnyx.Value.PublicKey) ? null : telnyx.Value.PublicKey;

    /// <param name="org">The organization the request is for; null when none is known (an unknown number).</param>
    /// <param name="known">Whether the organization has agents: only then is "no key of its own" remembered.</param>
    public async ValueTask<WebhookKey> ForAsync(string? org, bool known, CancellationToken cancellationToken = default)
    {
        if (org is null)
        {
            return new WebhookKey(PlatformKey, Available: true);
        }

        try
        {
            var settings = await tenants.GetAsync(org, cancellationToken);
            if (string.IsNullOrEmpty(settings?.WebhookPublicKey))
            {
                if (known)
                {
                    _lastRead[org] = null;
                }
                else
                {
                    _lastRead.TryRemove(org, out _);
                }

                return new WebhookKey(PlatformKey, Available: true);
            }

            _lastRead[org] = settings.WebhookPublicKey;
            return new WebhookKey(settings.WebhookPublicKey, Available: true);
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException or CryptographicException or JsonException)
        {
            if (_lastRead.TryGetValue(org, out var key))
            {
                LogLastKnownKey(logger, org, e.Message);
                return new WebhookKey(key ?? PlatformKey, Available: true);
            }

            // Falling back to the platform key (or to none) could accept requests the organization's own key would
            // refuse: refuse them until its settings can be read.
            LogKeyUnavailable(logger, org, e.Message);
            return new WebhookKey(null, Available: false);
        }
    }

    [LoggerMessage(EventId = 12020, Level = LogLevel.Warning, Message = "Telnyx settings of organization {Org} unreadable ({Reason}): verifying as when they were last read")]
    private static partial void LogLastKnownKey(ILogger logger, string org, string reason);

    [LoggerMessage(EventId = 12021, Level = LogLevel.Error, Message = "Telnyx settings of organization {Org} unreadable ({Reason}) and never read by this replica: its TeXML requests are answered 503")]
    private static partial void LogKeyUnavailable(ILogger logger, string org, string reason);
}
