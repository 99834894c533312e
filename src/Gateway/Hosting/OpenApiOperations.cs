using System.Text.Json.Nodes;
using Gateway.Admin;
using Gateway.Core;
using Gateway.Registry;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Gateway.Hosting;

/// <summary>What each operation of the document gets beyond what its endpoint's metadata says.</summary>
internal static class OpenApiOperations
{
    public const string Bearer = "bearer";

    public const string SessionCredential = "sessionCredential";

    /// <summary>What the generator names the schema of a body read or written as bytes; described inline instead.</summary>
    public const string StreamSchema = "Stream";

    private const string WavMediaType = "audio/wav";

    private static readonly string WavDescription =
        $"A WAV file: mono 16-bit PCM at 8000 or 16000 Hz, at most {HoldClipWav.MaxSeconds} s and {HoldClipWav.MaxFileBytes} bytes.";

    public static void Complete(OpenApiOperation operation, OpenApiOperationTransformerContext context)
    {
        foreach (var parameter in (operation.Parameters ?? []).OfType<OpenApiParameter>())
        {
            if (parameter.In == ParameterLocation.Path && parameter.Name is { } name && OpenApiSchemaRules.PathNames.TryGetValue(name, out var maxLength)
                && parameter.Schema is OpenApiSchema schema)
            {
                OpenApiSchemaRules.Name(schema, maxLength);
            }
            else if (parameter.In == ParameterLocation.Path && parameter.Name == "action" && parameter.Schema is OpenApiSchema action)
            {
                action.Enum = [.. CallControlActions.Known.Order(StringComparer.Ordinal).Select(known => (JsonNode)known)];
                action.Description = "A Telnyx Call Control action; the agent's allowedActions say which its bots may use.";
            }
        }

        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<BytesBody>().FirstOrDefault() is { } bytes)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { [bytes.MediaType] = new() },
            };
        }

        // A WAV file, taken or given (the hold clip): bytes, said inline rather than as the generator's "Stream" schema.
        var wavs = (operation.RequestBody?.Content ?? new Dictionary<string, OpenApiMediaType>())
            .Concat((operation.Responses ?? []).Values.SelectMany(response => response.Content ?? new Dictionary<string, OpenApiMediaType>()))
            .Where(content => content.Key == WavMediaType);
        foreach (var (_, wav) in wavs)
        {
            wav.Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = WavDescription };
        }

        if (("/" + context.Description.RelativePath).StartsWith(RefusalWriter.TelnyxPaths + "/", StringComparison.Ordinal))
        {
            // Telnyx's own path: the bot's session credential, not an admin token; the command's body goes to Telnyx
            // as sent, so the gateway asks only that it be JSON when there is one.
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SessionCredential, context.Document)] = [] }];
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = false,
                Description = "Telnyx's command parameters, forwarded to Telnyx as they are.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.Object } },
                },
            };
        }

    }
}
