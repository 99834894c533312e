using System.Globalization;
using System.Text.Json.Serialization;

namespace Gateway.Registry;

/// <summary>
/// A pod port as Kubernetes names it: a number (JSON <c>8080</c>), or the name of a Service port (JSON <c>"ws"</c>),
/// looked up in each EndpointSlice's <c>ports[].name</c>, so pods may map the name to different numbers.
/// </summary>
[JsonConverter(typeof(KubernetesPortConverter))]
public readonly record struct KubernetesPort
{
    private KubernetesPort(int? number, string? name)
    {
        Number = number;
        Name = name;
    }

    /// <summary>The port number; null for a named port.</summary>
    public int? Number { get; }

    /// <summary>The Service port's name; null for a numbered port.</summary>
    public string? Name { get; }

    public static KubernetesPort FromNumber(int number) => new(number, null);

    public static KubernetesPort FromName(string name) => new(null, name);

    public override string ToString() => Name ?? Number?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
}
