using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The OpenAPI document of the admin API, generated from its endpoints and served at <c>/admin/v1/openapi.json</c>.</summary>
public static class AdminOpenApi
{
    public const string DocumentName = "v1";

    public static IServiceCollection AddAdminOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.ShouldInclude = description => description.RelativePath?.StartsWith("admin/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Telnyx voice gateway admin API",
                    Version = DocumentName,
                    Description = "Tenants, agents, bot instances, phone numbers and live sessions. Bearer JWT: role=platform-admin manages everything, org={org} manages that organization only.",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["bearer"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                };
                document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("bearer", document)] = [] }];
                return Task.CompletedTask;
            });
        });

    public static IEndpointConventionBuilder MapAdminOpenApi(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapOpenApi("/admin/{documentName}/openapi.json");
}
