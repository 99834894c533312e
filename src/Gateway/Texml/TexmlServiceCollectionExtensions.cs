using Gateway.Core;
using Gateway.Ingress;
using Gateway.Texml;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class TexmlServiceCollectionExtensions
{
    /// <summary>Per-tenant TeXML: the handler and its steps, the Telnyx signature check, and their options, validated at start-up.</summary>
    public static IServiceCollection AddTexml(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TexmlOptions>()
            .Bind(configuration.GetSection(TexmlOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // The stream URLs every document carries are built from it: a wrong one would send every call nowhere.
        services.AddSingleton<IValidateOptions<GatewayOptions>, PublicBaseUrlValidation>();
        services.AddOptions<GatewayOptions>().ValidateOnStart();

        services.AddSingleton<TelnyxSignatureVerifier>();
        services.AddSingleton<WebhookKeys>();
        services.AddSingleton<TexmlVerification>();
        services.AddSingleton<AgentDocuments>();
        services.AddSingleton<TexmlHandler>();
        return services;
    }
}

/// <summary>Checks <c>Gateway:PublicBaseUrl</c> at start-up, naming what is wrong with it.</summary>
internal sealed class PublicBaseUrlValidation : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions options) =>
        StreamUrls.Problem(options.PublicBaseUrl) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
