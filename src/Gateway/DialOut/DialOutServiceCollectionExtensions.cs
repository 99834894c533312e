using Gateway.DialOut;

namespace Microsoft.Extensions.DependencyInjection;

public static class DialOutServiceCollectionExtensions
{
    /// <summary>Dial-out's service and its steps.</summary>
    public static IServiceCollection AddDialOut(this IServiceCollection services)
    {
        services.AddSingleton<DialOutReservation>();

        // Per request, like the typed TelnyxApiClient they hold: a client kept for the life of the process would keep
        // its first handler, and with it the first DNS answer for Telnyx's API.
        services.AddTransient<TelnyxDialer>();
        services.AddTransient<DialOutService>();
        return services;
    }
}
