using Gateway.Admin;

namespace Microsoft.Extensions.DependencyInjection;

public static class AdminServiceCollectionExtensions
{
    /// <summary>The admin API's services, one per resource: each route hands its request object to one of them.</summary>
    public static IServiceCollection AddAdminApi(this IServiceCollection services)
    {
        services.AddSingleton<OrgService>();
        services.AddSingleton<AgentService>();
        services.AddSingleton<InstanceService>();
        services.AddSingleton<HoldAudioService>();
        services.AddSingleton<SessionService>();
        services.AddSingleton<TenantTelnyxService>();
        return services;
    }
}
