using Gateway.CallControl;

namespace Microsoft.Extensions.DependencyInjection;

public static class CallControlServiceCollectionExtensions
{
    /// <summary>The service behind bots' call control; the forwarder and the session credentials are registered with the call path.</summary>
    public static IServiceCollection AddCallControl(this IServiceCollection services) => services.AddSingleton<CallControlService>();
}
