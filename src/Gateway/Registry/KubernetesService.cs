namespace Gateway.Registry;

/// <summary>One Kubernetes Service, <c>{namespace}/{name}</c>: the unit the gateway watches EndpointSlices of.</summary>
public readonly record struct KubernetesService(string Namespace, string Name)
{
    /// <summary>The label selector of the Service's EndpointSlices.</summary>
    public string LabelSelector => "kubernetes.io/service-name=" + Name;

    public override string ToString() => $"{Namespace}/{Name}";
}
