using System.ComponentModel.DataAnnotations;

namespace Gateway.Kubernetes;

/// <summary>How the gateway reaches the Kubernetes API server to discover the pods of agents' <c>kubernetes</c> sources.</summary>
public sealed class KubernetesOptions : IValidatableObject
{
    public const string SectionName = "Kubernetes";

    /// <summary>False: no Kubernetes access even in a pod (a service account without the EndpointSlice RBAC, say).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A kubeconfig file to reach the API server with; it wins over the pod's service account and <c>KUBECONFIG</c>.
    /// Relative paths resolve against the content root. Unset: the service account in a pod, else <c>KUBECONFIG</c>.
    /// </summary>
    public string? KubeConfig { get; set; }

    /// <summary>How long after a failed list or watch the gateway tries again; doubled on each failure in a row.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two tries while the API server keeps failing.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan MaxRetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one watch lasts (the API server's <c>timeoutSeconds</c>) before the gateway lists the Service again.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "01:00:00")]
    public TimeSpan WatchTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxRetryInterval < RetryInterval)
        {
            yield return new ValidationResult(
                "Kubernetes:MaxRetryInterval must be at least Kubernetes:RetryInterval.", [nameof(MaxRetryInterval), nameof(RetryInterval)]);
        }
    }
}
