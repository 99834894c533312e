using Gateway.Core;
using Gateway.Telnyx;
using Gateway.Tenants;
using Microsoft.AspNetCore.Http;

namespace Gateway.Admin;

/// <summary>
/// The <c>/telnyx</c> routes' work: an organization's Telnyx account set (whole, or by merge patch), read and
/// forgotten. The API key and public key are write-only: reads say whether they are set, never what they are. Every
/// write goes over exactly the settings it read and honours <c>If-Match</c>/<c>If-None-Match</c>.
/// </summary>
internal sealed class TenantTelnyxService(ITenantSettingsStore store, TimeProvider time)
{
    // A write races only with other writes of the same organization's settings.
    private const int Attempts = 8;

    public async Task<IResult> PutAsync(OrgRequest request)
    {
        var context = request.Context;
        var (settings, invalid) = await RequestJson.ReadAsync(context.Request, AdminJsonContext.Default.TenantTelnyxRequest, context.RequestAborted, Validate);
        return invalid ?? await WriteAsync(request, _ => (settings!, null), replacing: true);
    }

    public async Task<IResult> PatchAsync(OrgRequest request)
    {
        var context = request.Context;
        var (patch, invalid) = await RequestJson.ReadObjectAsync(context.Request, RequestJson.MergePatch, context.RequestAborted);
        return invalid ?? await WriteAsync(
            request,
            current => MergePatch.ApplyTo(
                new TenantTelnyxRequest(current!.ApiKey, current.WebhookPublicKey, current.ConnectionId), patch!, AdminJsonContext.Default.TenantTelnyxRequest, Validate),
            replacing: false);
    }

    public async Task<IResult> GetAsync(OrgRequest request)
    {
        if (await store.GetAsync(request.Org, request.Context.RequestAborted) is not { } settings)
        {
            return NoSettings(request.Org);
        }

        request.Context.Response.Headers.ETag = EntityTags.For(settings);
        return TypedResults.Json(View(settings), AdminJson.Admin.TenantTelnyxView);
    }

    public async Task<IResult> DeleteAsync(OrgRequest request) =>
        await store.DeleteAsync(request.Org, request.Context.RequestAborted)
            ? TypedResults.NoContent()
            : NoSettings(request.Org);

    /// <param name="change">The settings to write given the current ones (never null when not <paramref name="replacing"/>).</param>
    /// <param name="replacing">PUT: the settings may not exist yet. PATCH: they must.</param>
    private async Task<IResult> WriteAsync(OrgRequest request, Func<TenantTelnyxSettings?, (TenantTelnyxRequest? Value, Refusal? Refusal)> change, bool replacing)
    {
        var (org, context) = (request.Org, request.Context);
        var precondition = EntityTags.Read(context.Request);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var current = await store.GetAsync(org, context.RequestAborted);
            if (current is null && !replacing)
            {
                return NoSettings(org);
            }

            if (!precondition.HoldsFor(current is null ? null : EntityTags.For(current)))
            {
                return Refusals.PreconditionFailed(precondition.CreateOnly && current is not null
                    ? $"Organization '{org}' already has Telnyx settings (If-None-Match: *)."
                    : $"Organization '{org}''s Telnyx settings are not as If-Match names them (changed, or absent); read them again.");
            }

            var (wanted, refusal) = change(current);
            if (refusal is not null)
            {
                return refusal;
            }

            var stored = new TenantTelnyxSettings
            {
                ApiKey = wanted!.ApiKey,
                WebhookPublicKey = wanted.WebhookPublicKey,
                ConnectionId = wanted.ConnectionId,
                UpdatedAt = time.GetUtcNow(),
            };
            if (await store.ReplaceAsync(org, current, stored, context.RequestAborted))
            {
                context.Response.Headers.ETag = EntityTags.For(stored);
                return TypedResults.Json(View(stored), AdminJson.Admin.TenantTelnyxView);
            }
        }

        return Refusals.Conflict("concurrent_update", $"Organization '{org}''s Telnyx settings kept changing; try again.");
    }

    private static Dictionary<string, string[]> Validate(TenantTelnyxRequest settings)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (settings.ApiKey is { } apiKey && !TelnyxOptions.IsSendableApiKey(apiKey))
        {
            errors["apiKey"] = ["must be " + TelnyxOptions.ApiKeyRule];
        }

        if (settings.WebhookPublicKey is { } publicKey && !TelnyxOptions.IsEd25519PublicKey(publicKey))
        {
            errors["webhookPublicKey"] = ["must be the base64 of a 32-byte Ed25519 public key, as Telnyx's portal shows it."];
        }

        if (settings.ConnectionId is not null && !ResourceNames.IsValidConnectionId(settings.ConnectionId))
        {
            errors["connectionId"] = ["must be " + ResourceNames.ConnectionIdRule];
        }

        return errors;
    }

    private static Refusal NoSettings(string org) => Refusals.NotFound($"Organization '{org}' has no Telnyx settings.");

    private static TenantTelnyxView View(TenantTelnyxSettings settings) =>
        new(settings.ApiKey is not null, settings.WebhookPublicKey is not null, settings.ConnectionId, settings.UpdatedAt);
}
