using System.Text.Json.Serialization;

namespace Gateway.Registry;

/// <summary>
/// A Kubernetes Service whose ready pods are instances of the agent: the gateway watches the Service's EndpointSlices
/// and offers each ready endpoint new calls, beside the agent's static <c>instances</c>. Immutable, like the resource.
/// </summary>
public sealed record KubernetesSource
{
    public const string DefaultPath = "/ws";

    public const string DefaultScheme = "ws";

    public KubernetesSource()
    {
    }

    /// <summary>The JSON constructor; an omitted field takes its default (see <see cref="AgentResource"/>).</summary>
    [JsonConstructor]
    public KubernetesSource(
        string? @namespace = null,
        string? service = null,
        KubernetesPort? port = null,
        string path = DefaultPath,
        string scheme = DefaultScheme,
        int capacity = 1)
    {
        Namespace = @namespace;
        Service = service;
        Port = port;
        Path = path;
        Scheme = scheme;
        Capacity = capacity;
    }

    /// <summary>The Service's namespace; required.</summary>
    public string? Namespace { get; init; }

    /// <summary>The Service's name: its EndpointSlices carry the label <c>kubernetes.io/service-name</c> with it; required.</summary>
    public string? Service { get; init; }

    /// <summary>The pod port the bot listens on: a number, or the name of one of the Service's ports; required.</summary>
    public KubernetesPort? Port { get; init; }

    /// <summary>The bot's WebSocket path (and query, if any) on each pod.</summary>
    public string Path { get; init; } = DefaultPath;

    /// <summary><c>ws</c> or <c>wss</c>.</summary>
    public string Scheme { get; init; } = DefaultScheme;

    /// <summary>Concurrent calls each pod takes, as <see cref="AgentInstance.Capacity"/> for a static instance.</summary>
    public int Capacity { get; init; } = 1;

    /// <summary>The Service this source watches; only meaningful once the source is valid.</summary>
    [JsonIgnore]
    public KubernetesService ServiceName => new(Namespace ?? string.Empty, Service ?? string.Empty);
}
