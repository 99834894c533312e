using System.Text.Json.Serialization;
using Gateway.Core;
using Gateway.Registry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Gateway.Hosting;

/// <summary>
/// The OpenAPI document of the gateway's HTTP APIs (admin, dial-out, bots' call control), generated from their
/// endpoints and served at <c>/admin/v1/openapi.json</c>; CI lints it (see README "OpenAPI"). The generator sees the
/// types; what the validators check by hand is added from <see cref="OpenApiSchemaRules"/>.
/// </summary>
internal static class GatewayOpenApi
{
    public const string DocumentName = "v1";

    public const string Path = "/admin/{documentName}/openapi.json";

    public static IServiceCollection AddGatewayOpenApi(this IServiceCollection services)
    {
        // Request bodies are read with strict number handling (a number written as a string is refused), and the
        // schema generator reads these options: without this it would type every integer "integer or string".
        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.NumberHandling = JsonNumberHandling.Strict);
        return services.AddOpenApi(DocumentName, options =>
        {
            options.ShouldInclude = description => description.RelativePath is { } path
                && (path.StartsWith("admin/", StringComparison.Ordinal) || path.StartsWith("v1/", StringComparison.Ordinal) || path.StartsWith("v2/", StringComparison.Ordinal));
            options.AddDocumentTransformer((document, _, _) =>
            {
                Describe(document);
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                Constrain(schema, context);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                OpenApiOperations.Complete(operation, context);
                return Task.CompletedTask;
            });
        });
    }

    public static IEndpointConventionBuilder MapGatewayOpenApi(this IEndpointRouteBuilder endpoints) => endpoints.MapOpenApi(Path);

    private static void Describe(OpenApiDocument document)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Telnyx voice gateway API",
            Version = DocumentName,
            Description = "Tenants, agents, bot instances, phone numbers and live sessions (/admin/v1); outbound calls (/v1); "
                + "bots' call control on their own calls, Telnyx's own paths (/v2). Admin and dial-out: a bearer JWT, "
                + "role=platform-admin manages everything, org={org} that organization only. Call control: the call's "
                + "session credential as the bearer token. Refusals are application/problem+json with a stable code "
                + "(Telnyx's {\"errors\":[…]} under /v2).",
        };

        // Linters and generated clients take a server URL without a trailing slash (paths start with one).
        foreach (var server in document.Servers ?? [])
        {
            server.Url = server.Url?.TrimEnd('/');
        }

        document.Tags = new HashSet<OpenApiTag>(
        [
            new() { Name = "admin", Description = "Organizations, agents, bot instances, Telnyx settings, phone numbers and live sessions." },
            new() { Name = "dial-out", Description = "Outbound calls whose media stream reaches an agent's bot." },
            new() { Name = "call-control", Description = "Telnyx's Call Control, for a bot on its own live call (Telnyx's paths and error shape)." },
        ]);

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[OpenApiOperations.Bearer] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A token of the identity provider behind Auth:Authority, or one the token command signs with Auth:SigningKey.",
        };
        document.Components.SecuritySchemes[OpenApiOperations.SessionCredential] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "The call's session credential: the X-Gateway-Session-Token header of the bot hop.",
        };
        // The free-form JSON the contract takes (a dial-out's body, an agent's texml.body) is an object wherever it
        // appears; the generator leaves a JsonElement's schema empty ("anything") and transforms no schema of it.
        if (document.Components.Schemas?.TryGetValue("JsonElement", out var element) == true && element is OpenApiSchema json)
        {
            (json.Type, json.Description) = (JsonSchemaType.Object, "A JSON object.");
        }

        // Every body of bytes is described inline where it appears (OpenApiOperations): the generator's own is unused.
        document.Components.Schemas?.Remove(OpenApiOperations.StreamSchema);

        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApiOperations.Bearer, document)] = [] }];
    }

    private static void Constrain(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        var type = context.JsonTypeInfo.Type;
        if (context.JsonPropertyInfo is { } property && OpenApiSchemaRules.Properties.TryGetValue((property.DeclaringType, property.Name), out var rule))
        {
            rule(schema);
        }

        // A type's schema is made where it is first met, which may be as another type's property (the agent inside a
        // list item): the type's own rules apply there too.
        if (OpenApiSchemaRules.Closed.TryGetValue(type, out var required))
        {
            schema.Required = new HashSet<string>(required, StringComparer.Ordinal);
            schema.AdditionalPropertiesAllowed = false;
        }

        if (type == typeof(ProblemDetails) || type == typeof(HttpValidationProblemDetails))
        {
            // Every refusal carries its stable code; other members (traceId, sessionId, telnyxCode, …) may follow.
            schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
            schema.Properties["code"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The refusal's stable code (README, \"Errors\")." };
            schema.Required = new HashSet<string>(["status", "title", "code"], StringComparer.Ordinal);
        }

        // Its own converter reads a number or a string, which the generated schema cannot see: say so here.
        if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(KubernetesPort))
        {
            schema.Description = "A pod port: a number, or the name of one of the Service's ports (its EndpointSlices' ports[].name).";
            schema.OneOf =
            [
                new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1", Maximum = "65535" },
                new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[a-z]([-a-z0-9]*[a-z0-9])?$", MaxLength = KubernetesSourceValidator.MaxNameLength },
            ];
        }
    }
}
