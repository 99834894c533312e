using Gateway.Core;
using Gateway.Telnyx;
using Gateway.Tenants;
using Microsoft.AspNetCore.Http;

namespace Gateway.Admin;

/// <summary>
/// The <c>/telnyx</c> routes' work: an organization's Telnyx account set, read and forgotten. The API key and public
/// key are write-only: reads say whether they are set, never what they are.
/// </summary>
internal sealed class TenantTelnyxService(ITenantSettingsStore store, TimeProvider time)
{
    public const int ApiKeyMaxLength = 512;

    public async Task<IResult> PutAsync(OrgRequest request)
    {
        var context = request.Context;
        var (settings, invalid) = await RequestJson.ReadAsync(context.Request, AdminJsonContext.Default.TenantTelnyxRequest, context.RequestAborted);
        if (invalid is not null)
        {
            return invalid;
        }

        if (Validate(settings!) is { } refusal)
        {
            return refusal;
        }

        var stored = new TenantTelnyxSettings
        {
            ApiKey = settings!.ApiKey,
            WebhookPublicKey = settings.WebhookPublicKey,
            ConnectionId = settings.ConnectionId,
            UpdatedAt = time.GetUtcNow(),
        };
        await store.PutAsync(request.Org, stored, context.RequestAborted);
        return TypedResults.Json(View(stored), AdminJson.Admin.TenantTelnyxView);
    }

    public async Task<IResult> GetAsync(OrgRequest request) =>
        await store.GetAsync(request.Org, request.Context.RequestAborted) is { } settings
            ? TypedResults.Json(View(settings), AdminJson.Admin.TenantTelnyxView)
            : NoSettings(request.Org);

    public async Task<IResult> DeleteAsync(OrgRequest request) =>
        await store.DeleteAsync(request.Org, request.Context.RequestAborted)
            ? TypedResults.NoContent()
            : NoSettings(request.Org);

    private static Refusal? Validate(TenantTelnyxRequest settings)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (settings.ApiKey is { } apiKey && (apiKey.Length is 0 or > ApiKeyMaxLength || apiKey.Any(char.IsWhiteSpace)))
        {
            errors["apiKey"] = [$"must be 1 to {ApiKeyMaxLength} characters without spaces."];
        }

        if (settings.WebhookPublicKey is { } publicKey && !TelnyxOptions.IsEd25519PublicKey(publicKey))
        {
            errors["webhookPublicKey"] = ["must be the base64 of a 32-byte Ed25519 public key, as Telnyx's portal shows it."];
        }

        if (settings.ConnectionId is not null && !ResourceNames.IsValidConnectionId(settings.ConnectionId))
        {
            errors["connectionId"] = ["must be " + ResourceNames.ConnectionIdRule];
        }

        return errors.Count > 0 ? Refusals.Validation(errors) : null;
    }

    private static Refusal NoSettings(string org) => Refusals.NotFound($"Organization '{org}' has no Telnyx settings.");

    private static TenantTelnyxView View(TenantTelnyxSettings settings) =>
        new(settings.ApiKey is not null, settings.WebhookPublicKey is not null, settings.ConnectionId, settings.UpdatedAt);
}
