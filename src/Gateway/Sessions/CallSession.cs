namespace Gateway.Sessions;

/// <summary>
/// The record of one live call, kept while the call lives (and expiring with its replica's lease). The call
/// fields come from Telnyx's start frame.
/// </summary>
public sealed record CallSession
{
    public required string SessionId { get; init; }

    public required string Org { get; init; }

    public required string Agent { get; init; }

    public required string InstanceId { get; init; }

    /// <summary>The gateway replica relaying the call (<c>Gateway:ReplicaId</c>).</summary>
    public required string ReplicaId { get; init; }

    public string? CallControlId { get; init; }

    public string? CallSessionId { get; init; }

    public string? StreamId { get; init; }

    public string? From { get; init; }

    public string? To { get; init; }

    public required DateTimeOffset Started { get; init; }

    /// <summary>The registry revision the call was routed with.</summary>
    public required long RegistryRevision { get; init; }

    /// <summary><c>url</c> (serviceHost in the query) or <c>start_frame</c> (serviceHost in custom parameters).</summary>
    public required string RoutedBy { get; init; }

    /// <summary>How many times the call was moved to another bot after its bot dropped (<see cref="InstanceId"/> is the latest).</summary>
    public int Reconnects { get; init; }
}
