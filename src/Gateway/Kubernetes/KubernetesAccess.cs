using k8s;

namespace Gateway.Kubernetes;

/// <summary>
/// Whether this gateway can reach a Kubernetes API server, and how: decided once at start-up, before any agent is
/// read, because an agent with a <c>kubernetes</c> source is refused on a gateway that cannot watch it.
/// </summary>
public sealed class KubernetesAccess
{
    /// <summary>The environment variable kubectl reads; several files are separated as in PATH.</summary>
    public const string KubeConfigVariable = "KUBECONFIG";

    private KubernetesAccess(KubernetesClientConfiguration? configuration, string description)
    {
        Configuration = configuration;
        Description = description;
    }

    public bool IsAvailable => Configuration is not null;

    /// <summary>Where the access comes from, or why there is none; for logs and refusals.</summary>
    public string Description { get; }

    /// <summary>The client configuration; null without access.</summary>
    public KubernetesClientConfiguration? Configuration { get; }

    /// <summary>
    /// In order: <c>Kubernetes:KubeConfig</c> (an operator's explicit choice), the pod's service account, then the
    /// <c>KUBECONFIG</c> files that exist. None of them, or <c>Kubernetes:Enabled</c> false: no access.
    /// </summary>
    /// <param name="kubeConfigVariable">The value of <c>KUBECONFIG</c> (read through configuration, so tests can set it).</param>
    /// <exception cref="InvalidOperationException">The configured kubeconfig file is missing or not valid: the gateway refuses to start.</exception>
    public static KubernetesAccess Locate(KubernetesOptions options, string? kubeConfigVariable, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return None("Kubernetes:Enabled is false");
        }

        if (!string.IsNullOrWhiteSpace(options.KubeConfig))
        {
            var path = Path.GetFullPath(options.KubeConfig, contentRoot);
            return File.Exists(path)
                ? Read(new FileInfo(path), $"kubeconfig {path} (Kubernetes:KubeConfig)")
                : throw new InvalidOperationException($"Kubernetes:KubeConfig names '{path}', which does not exist.");
        }

        if (KubernetesClientConfiguration.IsInCluster())
        {
            return new KubernetesAccess(KubernetesClientConfiguration.InClusterConfig(), "the pod's service account");
        }

        // Files that do not exist are skipped, as kubectl skips them: a developer's stale variable must not stop a gateway
        // that has no use for Kubernetes. Of several files, the first that exists is read (the client merges none).
        var file = (kubeConfigVariable ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(name => new FileInfo(Path.GetFullPath(name, contentRoot)))
            .FirstOrDefault(candidate => candidate.Exists);
        return file is not null
            ? Read(file, $"kubeconfig {file.FullName} ({KubeConfigVariable})")
            : None("not in a pod, and neither Kubernetes:KubeConfig nor KUBECONFIG names a kubeconfig file");
    }

    private static KubernetesAccess None(string reason) => new(null, reason);

    private static KubernetesAccess Read(FileInfo file, string description)
    {
        try
        {
            return new KubernetesAccess(KubernetesClientConfiguration.BuildConfigFromConfigFile(file), description);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or YamlDotNet.Core.YamlException)
        {
            throw new InvalidOperationException($"Cannot read {description}: {e.Message}", e);
        }
    }
}
