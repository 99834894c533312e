using Gateway.Kubernetes;
using Gateway.Registry;
using k8s;
using Microsoft.Extensions.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

public static class KubernetesServiceCollectionExtensions
{
    /// <summary>
    /// The registry routing reads. Without Kubernetes access it is <paramref name="storedRegistry"/> itself; with it,
    /// the stored registry with each agent's discovered pods, and the EndpointSlice watches behind them.
    /// </summary>
    public static IServiceCollection AddRoutedAgentRegistry(
        this IServiceCollection services, IConfiguration configuration, string contentRoot, Func<IServiceProvider, IAgentRegistry> storedRegistry)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(KubernetesOptions.SectionName);
        services.AddOptions<KubernetesOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();

        // Decided now, as the Redis registry is: which registry routing reads depends on it. KUBECONFIG is read through
        // configuration (environment variables are part of it), so that a test can set it.
        var access = KubernetesAccess.Locate(section.Get<KubernetesOptions>() ?? new KubernetesOptions(), configuration[KubernetesAccess.KubeConfigVariable], contentRoot);
        services.AddSingleton(access);
        if (!access.IsAvailable)
        {
            services.AddSingleton(storedRegistry);
            return services;
        }

        services.AddSingleton<IKubernetes>(_ => new k8s.Kubernetes(access.Configuration!));
        services.AddSingleton<IServiceDiscovery, EndpointSliceDiscovery>();
        services.AddSingleton(provider => ActivatorUtilities.CreateInstance<DiscoveringAgentRegistry>(provider, storedRegistry(provider)));
        services.AddSingleton<IAgentRegistry>(provider => provider.GetRequiredService<DiscoveringAgentRegistry>());
        services.AddHostedService(provider => provider.GetRequiredService<DiscoveringAgentRegistry>());
        return services;
    }
}
