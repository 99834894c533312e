using Gateway.CallControl;
using Gateway.Calls;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Health;
using Gateway.Hosting;
using Gateway.Ingress;
using Gateway.Kubernetes;
using Gateway.Redis;
using Gateway.Registry;
using Gateway.Relay;
using Gateway.Relay.EventLoop;
using Gateway.Sessions;
using Gateway.Credentials;
using Gateway.Telnyx;
using Gateway.Tenants;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Everything the media path needs. With <c>ConnectionStrings:Redis</c> set, the registry, claims and session
    /// records live in Redis; without it, in this process (one replica, state lost on restart).
    /// </summary>
    public static IServiceCollection AddTelnyxGateway(this IServiceCollection services, IConfiguration configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddValidatedOptions<GatewayOptions>(configuration, GatewayOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<MatcherPolicy, ListenerMatcherPolicy>());
        services.AddValidatedOptions<IngressOptions>(configuration, IngressOptions.SectionName);
        services.AddValidatedOptions<RelayOptions>(configuration, RelayOptions.SectionName);
        services.AddValidatedOptions<RegistryOptions>(configuration, RegistryOptions.SectionName);
        services.AddValidatedOptions<LeaseOptions>(configuration, LeaseOptions.SectionName);
        services.AddValidatedOptions<CallQueueOptions>(configuration, CallQueueOptions.SectionName);
        services.AddValidatedOptions<RedisOptions>(configuration, RedisOptions.SectionName);
        services.AddValidatedOptions<TelnyxOptions>(configuration, TelnyxOptions.SectionName);

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => RegistrySeedSource.Load(
            provider.GetRequiredService<IOptions<RegistryOptions>>().Value.SeedFile,
            contentRoot,
            provider.GetRequiredService<KubernetesAccess>().IsAvailable,
            provider.GetRequiredService<ILogger<RegistrySeedSource>>()));

        // Where agents are stored; routing reads them through the registry AddRoutedAgentRegistry puts in front.
        Func<IServiceProvider, IAgentRegistry> storedRegistry;
        var redisConnection = configuration.GetConnectionString("Redis");
        if (string.IsNullOrWhiteSpace(redisConnection))
        {
            services.AddSingleton(provider => new EmbeddedAgentRegistry(provider.GetRequiredService<RegistrySeedSource>().Agents));
            storedRegistry = provider => provider.GetRequiredService<EmbeddedAgentRegistry>();
            services.AddSingleton<LocalWaitingCallers>();
            services.AddSingleton<IWaitingCallers>(provider => provider.GetRequiredService<LocalWaitingCallers>());
            services.AddSingleton<IInstanceClaims, LocalInstanceClaims>();
            services.AddSingleton<ISessionStore, InMemorySessionStore>();
            services.AddSingleton<ITenantSettingsStore, InMemoryTenantSettingsStore>();
            services.AddSingleton<ISpentStreamTokens, InMemorySpentStreamTokens>();

            // Nothing here outlives the process, so neither need the keys that encrypt and sign it.
            services.AddEphemeralDataProtection(DataProtectionApplicationName);
        }
        else
        {
            services.AddSingleton(provider => RedisConnectionFactory.Connect(
                redisConnection,
                provider.GetRequiredService<IOptions<RedisOptions>>().Value,
                provider.GetRequiredService<TimeProvider>(),
                provider.GetRequiredService<ILoggerFactory>()));
            services.AddHostedService(provider => provider.GetRequiredService<RedisConnection>());
            services.AddSingleton<DurableWrites>();
            services.AddSingleton(provider => RedisConnectionFactory.Keys(provider.GetRequiredService<IOptions<RedisOptions>>()));
            services.AddSingleton<RedisAgentRegistry>();
            services.AddHostedService(provider => provider.GetRequiredService<RedisAgentRegistry>());
            storedRegistry = provider => provider.GetRequiredService<RedisAgentRegistry>();
            services.AddSingleton<IInstanceClaims, RedisInstanceClaims>();
            services.AddSingleton<IWaitingCallers, RedisWaitingCallers>();
            services.AddSingleton<ISessionStore, RedisSessionStore>();
            services.AddSingleton<ITenantSettingsStore, RedisTenantSettingsStore>();
            services.AddSingleton<ISpentStreamTokens, RedisSpentStreamTokens>();

            // One key ring for every replica, in the same Redis: any replica decrypts the tenant secrets and checks
            // the stream tokens another one wrote.
            services.AddDataProtection().SetApplicationName(DataProtectionApplicationName);
            services.AddSingleton<RedisKeyRing>();
            services.AddHostedService<KeyRingWarmup>();
            services.AddOptions<KeyManagementOptions>().Configure<RedisKeyRing>((options, keyRing) => options.XmlRepository = keyRing);
        }

        services.AddRoutedAgentRegistry(configuration, contentRoot, storedRegistry);
        services.AddValidatedOptions<StreamTokenOptions>(configuration, StreamTokenOptions.SectionName);
        services.AddSingleton<StreamTokens>();
        services.AddTexml(configuration);
        services.AddSingleton<SessionCredentials>();
        services.AddHttpClient<TelnyxApiClient>(client => client.Timeout = TimeSpan.FromSeconds(15));
        services.AddHttpForwarder();
        services.AddSingleton<CallControlForwarder>();
        services.AddSingleton<BotFailureActions>();
        services.AddSingleton<LiveCalls>();
        services.AddGatewayMetrics();
        services.AddSingleton<AgentLoadMetrics>();
        services.AddGatewayHealthChecks();
        services.AddSingleton<SocketEventLoops>();
        services.AddSingleton<IBotDialer, BotDialer>();
        services.AddSingleton<LiveCallScopes>();
        services.AddSingleton<HandshakeReader>();
        services.AddSingleton<CallerLegs>();
        services.AddSingleton<CallRouter>();
        services.AddSingleton<CallAdmission>();
        services.AddSingleton<CallQueueing>();
        services.AddSingleton<CallRelaying>();
        services.AddSingleton<HoldClipFrames>();
        services.AddSingleton<BotFailovers>();
        services.AddSingleton<TelnyxCallHandler>();
        services.AddUpgradeRateLimiting();
        services.AddSingleton<GatewayDrain>();
        services.AddHostedService(provider => provider.GetRequiredService<GatewayDrain>());
        services.AddHostedService<LeaseKeeper>();
        services.AddSingleton<MediaListener>();
        services.AddHostedService(provider => provider.GetRequiredService<MediaListener>());
        return services;
    }

    private const string DataProtectionApplicationName = "telnyx-gateway";

    private static void AddValidatedOptions<TOptions>(this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
    {
        services.AddOptions<TOptions>()
            .Bind(configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
    }
}
