using System.Text.RegularExpressions;

namespace Gateway.Registry;

/// <summary>Checks an agent's <c>kubernetes</c> source with Kubernetes' own name rules, so a typo is refused at write time.</summary>
public static partial class KubernetesSourceValidator
{
    public const int MaxNameLength = 63;

    public const int MaxPathLength = 1024;

    public const string NamespaceRule = "a DNS-1123 label: lower-case letters, digits and inner hyphens, at most 63 characters.";

    public const string ServiceRule = "a DNS-1035 label: a lower-case letter, then lower-case letters, digits and inner hyphens, at most 63 characters.";

    public const string PortRule = "a port number from 1 to 65535, or a port name (a DNS-1035 label, as the Service's ports[].name).";

    public const string NoAccessMessage =
        "this gateway has no Kubernetes access (it runs outside a pod with neither Kubernetes:KubeConfig nor KUBECONFIG set, or Kubernetes:Enabled is false), so it cannot discover the Service's pods.";

    public static void Validate(KubernetesSource source, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(errors);
        if (!IsDns1123Label(source.Namespace))
        {
            errors["kubernetes.namespace"] = [source.Namespace is null ? "is required: " + NamespaceRule : "must be " + NamespaceRule];
        }

        if (!IsDns1035Label(source.Service))
        {
            errors["kubernetes.service"] = [source.Service is null ? "is required: " + ServiceRule : "must be " + ServiceRule];
        }

        if (source.Port is not { } port)
        {
            errors["kubernetes.port"] = ["is required: " + PortRule];
        }
        else if (port.Number is { } number ? number is < 1 or > 65_535 : !IsDns1035Label(port.Name))
        {
            errors["kubernetes.port"] = ["must be " + PortRule];
        }

        if (!IsValidPath(source.Path))
        {
            errors["kubernetes.path"] = [$"must be an absolute path starting with '/' (a query may follow), with no fragment, at most {MaxPathLength} characters."];
        }

        if (source.Scheme is not ("ws" or "wss"))
        {
            errors["kubernetes.scheme"] = ["must be 'ws' or 'wss'."];
        }

        if (source.Capacity is < 1 or > AgentResourceValidator.CapacityLimit)
        {
            errors["kubernetes.capacity"] = [$"must be between 1 and {AgentResourceValidator.CapacityLimit}."];
        }
    }

    public static bool IsDns1123Label(string? name) => name is { Length: > 0 and <= MaxNameLength } && Dns1123Label().IsMatch(name);

    public static bool IsDns1035Label(string? name) => name is { Length: > 0 and <= MaxNameLength } && Dns1035Label().IsMatch(name);

    // The path is appended to every discovered pod's address: it must make a URL the bot hop can dial.
    private static bool IsValidPath(string? path) =>
        path is { Length: > 0 and <= MaxPathLength }
        && path[0] == '/'
        && !path.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c == '#')
        && Uri.TryCreate("ws://pod.invalid:1" + path, UriKind.Absolute, out var url)
        && url.Authority == "pod.invalid:1";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Dns1035Label();
}
