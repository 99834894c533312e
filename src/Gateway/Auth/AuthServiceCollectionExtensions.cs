using System.Text;
using Gateway.Auth;
using Gateway.Core;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Microsoft.Extensions.DependencyInjection;

public static class AuthServiceCollectionExtensions
{
    /// <summary>JWT bearer authentication for the admin and dial-out APIs, configured from <c>Auth:*</c>.</summary>
    public static IServiceCollection AddGatewayAuth(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuthOptions>()
            .Bind(configuration.GetSection(AuthOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((jwt, auth) => Configure(jwt, auth.Value));
        services.AddAuthorizationBuilder().AddPolicy(GatewayClaims.ManagesSomethingPolicy, policy => policy
            .RequireAuthenticatedUser()
            .RequireAssertion(context => context.User.IsPlatformAdmin() || context.User.Orgs().Any()));
        return services;
    }

    /// <summary>RFC 6750's challenge: <c>error</c> and the handler's <c>error_description</c> (e.g. when the token expired).</summary>
    private static string Challenge(string? error, string? description)
    {
        if (error is null)
        {
            return "Bearer";
        }

        // A quoted-string: its own quotes and backslashes escaped, and nothing outside printable ASCII.
        var quoted = new string([.. (description ?? string.Empty).Where(c => c is >= ' ' and <= '~')]).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);
        return quoted.Length == 0 ? $"Bearer error=\"{error}\"" : $"Bearer error=\"{error}\", error_description=\"{quoted}\"";
    }

    private static void Configure(JwtBearerOptions jwt, AuthOptions auth)
    {
        // Claim names as issued ("role", "org"), not remapped to WS-Federation URIs.
        jwt.MapInboundClaims = false;
        jwt.Events = new JwtBearerEvents
        {
            // Problem+json like every other admin answer, keeping the WWW-Authenticate challenge.
            // Telnyx-compatible paths carry a call's own credential as their bearer token, not a JWT: not ours to read.
            OnMessageReceived = context =>
            {
                if (context.Request.Path.StartsWithSegments("/v2", StringComparison.Ordinal))
                {
                    context.NoResult();
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                context.Response.Headers.WWWAuthenticate = Challenge(context.Error, context.ErrorDescription);
                await Refusals.Unauthorized(context.AuthenticateFailure switch
                {
                    null => "A bearer token is required.",

                    // The one failure a legitimate client causes on its own: say so, so that it fetches a new token
                    // rather than suspect its key.
                    SecurityTokenExpiredException expired => $"The bearer token expired at {expired.Expires:yyyy-MM-ddTHH:mm:ssZ}; get a new one.",
                    _ => "The bearer token is not valid (not signed by a trusted key, or for another issuer or audience).",
                }).ExecuteAsync(context.HttpContext);
            },
            OnForbidden = context => Refusals.Forbidden("The token does not grant this.").ExecuteAsync(context.HttpContext),
        };
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = auth.Issuer,
            ValidAudience = auth.Audience,
            RoleClaimType = GatewayClaims.Role,
            NameClaimType = "sub",
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        if (auth.Authority is not null)
        {
            jwt.Authority = auth.Authority.ToString();
            jwt.RequireHttpsMetadata = auth.RequireHttpsMetadata;
        }
        else if (!string.IsNullOrEmpty(auth.SigningKey))
        {
            jwt.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(Encoding.UTF8.GetBytes(auth.SigningKey));
            jwt.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }
        else
        {
            // Nothing validates tokens, so nothing may pass: an unconfigured admin API answers 401, never opens up.
            jwt.TokenValidationParameters.IssuerSigningKeyResolver = (_, _, _, _) => [];
        }
    }
}
