using Gateway.Registry;
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
            options.AddSchemaTransformer((schema, context, _) =>
            {
                // Its own converter reads a number or a string, which the generated schema cannot see: say so here.
                var type = context.JsonTypeInfo.Type;
                if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(KubernetesPort))
                {
                    schema.Description = "A pod port: a number, or the name of one of the Service's ports (its EndpointSlices' ports[].name).";
                    schema.OneOf =
                    [
                        new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1", Maximum = "65535" },
                        new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[a-z]([-a-z0-9]*[a-z0-9])?$", MaxLength = KubernetesSourceValidator.MaxNameLength },
                    ];
                }

                return Task.CompletedTask;
            });
        });

    public static IEndpointConventionBuilder MapAdminOpenApi(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapOpenApi("/admin/{documentName}/openapi.json");
}
