using Gateway.Core;
using Gateway.Telnyx;
using Gateway.Tenants;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Gateway.Admin;

/// <summary>
/// <c>/admin/v1/orgs/{org}/telnyx</c>: the organization's Telnyx account. The API key and public key are
/// write-only: reads say whether they are set, never what they are.
/// </summary>
internal static class TenantEndpoints
{
    public const int ApiKeyMaxLength = 512;

    public static void Map(RouteGroupBuilder org)
    {
        org.MapPut("/telnyx", PutAsync)
            .Accepts<TenantTelnyxRequest>("application/json")
            .Produces<TenantTelnyxView>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .WithSummary("Sets the organization's Telnyx API key, webhook public key and default connection (replaces all three).");
        org.MapGet("/telnyx", GetAsync)
            .Produces<TenantTelnyxView>(StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Whether each Telnyx secret is set, and the default connection.");
        org.MapDelete("/telnyx", DeleteAsync)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Forgets the organization's Telnyx settings.");
    }

    private static async Task<IResult> PutAsync(string org, HttpContext context, ITenantSettingsStore store, TimeProvider time)
    {
        var (request, invalid) = await RequestJson.ReadAsync(context.Request, AdminJsonContext.Default.TenantTelnyxRequest, context.RequestAborted);
        if (invalid is not null)
        {
            return invalid;
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request!.ApiKey is { } apiKey && (apiKey.Length is 0 or > ApiKeyMaxLength || apiKey.Any(char.IsWhiteSpace)))
        {
            errors["apiKey"] = [$"must be 1 to {ApiKeyMaxLength} characters without spaces."];
        }

        if (request.WebhookPublicKey is { } publicKey && !TelnyxOptions.IsEd25519PublicKey(publicKey))
        {
            errors["webhookPublicKey"] = ["must be the base64 of a 32-byte Ed25519 public key, as Telnyx's portal shows it."];
        }

        if (request.ConnectionId is not null && !ResourceNames.IsValidConnectionId(request.ConnectionId))
        {
            errors["connectionId"] = ["must be " + ResourceNames.ConnectionIdRule];
        }

        if (errors.Count > 0)
        {
            return Refusals.Validation(errors);
        }

        var settings = new TenantTelnyxSettings
        {
            ApiKey = request.ApiKey,
            WebhookPublicKey = request.WebhookPublicKey,
            ConnectionId = request.ConnectionId,
            UpdatedAt = time.GetUtcNow(),
        };
        await store.PutAsync(org, settings, context.RequestAborted);
        return TypedResults.Json(View(settings), AdminJson.Admin.TenantTelnyxView);
    }

    private static async Task<IResult> GetAsync(string org, ITenantSettingsStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(org, cancellationToken) is { } settings
            ? TypedResults.Json(View(settings), AdminJson.Admin.TenantTelnyxView)
            : Refusals.NotFound($"Organization '{org}' has no Telnyx settings.");

    private static async Task<IResult> DeleteAsync(string org, ITenantSettingsStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(org, cancellationToken)
            ? TypedResults.NoContent()
            : Refusals.NotFound($"Organization '{org}' has no Telnyx settings.");

    private static TenantTelnyxView View(TenantTelnyxSettings settings) =>
        new(settings.ApiKey is not null, settings.WebhookPublicKey is not null, settings.ConnectionId, settings.UpdatedAt);

}
