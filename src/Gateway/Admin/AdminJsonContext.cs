using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gateway.Registry;
using Gateway.Sessions;

namespace Gateway.Admin;

/// <summary>The admin API's own shapes; agents themselves use the registry's contract.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(AgentList))]
[JsonSerializable(typeof(InstanceRegistration))]
[JsonSerializable(typeof(AgentInstance))]
[JsonSerializable(typeof(RoutedInstanceList))]
[JsonSerializable(typeof(SessionList))]
[JsonSerializable(typeof(CallSession))]
[JsonSerializable(typeof(OrgList))]
[JsonSerializable(typeof(PhoneNumberList))]
[JsonSerializable(typeof(TenantTelnyxRequest))]
[JsonSerializable(typeof(TenantTelnyxView))]
[JsonSerializable(typeof(HoldClipView))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;

/// <summary>
/// What admin responses are written with. They are JSON for API clients, never inlined into a page, so the default
/// encoder's HTML-safe escaping only obscures them: every E.164 number would read <c>"\u002B15551234567"</c>.
/// </summary>
internal static class AdminJson
{
    public static AdminJsonContext Admin { get; } = new(Relaxed(AdminJsonContext.Default.Options));

    public static RegistryJsonContext Registry { get; } = new(Relaxed(RegistryJsonContext.Default.Options));

    private static JsonSerializerOptions Relaxed(JsonSerializerOptions options) =>
        new(options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, TypeInfoResolver = null };
}

internal sealed record AgentList(IReadOnlyList<AgentListItem> Agents);

internal sealed record AgentListItem(string Name, long Revision, AgentResource Resource);

/// <summary>
/// A bot instance registering itself (or being registered); with <c>ttlSeconds</c>, a heartbeat. <c>id</c> may be
/// sent, as a read of the agent shows it, and must then be the path's.
/// </summary>
internal sealed record InstanceRegistration
{
    [JsonConstructor]
    public InstanceRegistration(string? id = null, Uri? url = null, int capacity = 1, int? ttlSeconds = null)
    {
        Id = id;
        Url = url;
        Capacity = capacity;
        TtlSeconds = ttlSeconds;
    }

    public string? Id { get; init; }

    public Uri? Url { get; init; }

    public int Capacity { get; init; }

    /// <summary>Seconds until the registration lapses unless renewed by another PUT; null: until deleted.</summary>
    public int? TtlSeconds { get; init; }
}

/// <summary>The instances routing offers an agent's new calls now, and how its Kubernetes discovery stands.</summary>
internal sealed record RoutedInstanceList(IReadOnlyList<RoutedInstance> Instances, KubernetesDiscoveryView? Kubernetes);

/// <summary>
/// One instance of an agent: <c>static</c> (written in <c>instances</c>, or registered by a heartbeat, with its
/// <c>expiresAt</c>; one past it takes no new call) or <c>kubernetes</c> (a ready pod of the agent's Service).
/// </summary>
internal sealed record RoutedInstance(string Id, Uri Url, int Capacity, string Source, DateTimeOffset? ExpiresAt);

/// <summary>
/// The watch of an agent's Service on the replica that answers: whether it watches it at all (a gateway without
/// Kubernetes access does not), whether its endpoints are the API server's, and since when they are not.
/// </summary>
internal sealed record KubernetesDiscoveryView(
    string Namespace, string Service, bool Watched, bool InSync, DateTimeOffset? LastSyncAt, double StalenessSeconds, string? LastError);

internal sealed record SessionList(IReadOnlyList<CallSession> Sessions);

internal sealed record OrgList(IReadOnlyList<OrgListItem> Orgs);

internal sealed record OrgListItem(string Name, int Agents);

internal sealed record PhoneNumberList(IReadOnlyList<PhoneNumberItem> Numbers);

internal sealed record PhoneNumberItem(string Number, string Agent);

/// <summary>An organization's Telnyx account as written; the keys are never read back.</summary>
internal sealed record TenantTelnyxRequest(string? ApiKey, string? WebhookPublicKey, string? ConnectionId);

/// <summary>An organization's Telnyx settings as read: whether each secret is set, never its value.</summary>
internal sealed record TenantTelnyxView(bool ApiKeySet, bool WebhookPublicKeySet, string? ConnectionId, DateTimeOffset? UpdatedAt);

/// <summary>
/// An agent's hold clip as an upload answers it: its SHA-256 (the clip's ETag, as <c>sha256sum</c> prints it), sample
/// rate, length in samples and seconds, and the file's size.
/// </summary>
internal sealed record HoldClipView(string Sha256, int SampleRate, int Samples, double Seconds, int Bytes);
