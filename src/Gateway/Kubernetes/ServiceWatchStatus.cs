using Gateway.Registry;

namespace Gateway.Kubernetes;

/// <summary>How one Service's watch stands at a moment.</summary>
/// <param name="InSync">Listed, and its watch open: the endpoints are the API server's.</param>
/// <param name="LastSyncAt">When the endpoints were last known to be the API server's (now while in sync); null before the first list.</param>
/// <param name="Staleness">Zero while in sync; otherwise how long since <paramref name="LastSyncAt"/> (or since the watch began).</param>
/// <param name="LastError">Why the last list or watch failed, while out of sync.</param>
public sealed record ServiceWatchStatus(
    KubernetesService Service, int Endpoints, bool InSync, DateTimeOffset? LastSyncAt, TimeSpan Staleness, string? LastError);
