using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Core;

/// <summary>
/// Reads an edge's JSON request body (the admin API's, dial-out's) with its strict contract: the media type the route
/// takes, strict JSON (no trailing commas, no comments, no repeated property), a JSON object, unknown fields refused,
/// and every field in error named at once (<see cref="JsonBinding"/>), never the serializer's own text.
/// </summary>
internal static class RequestJson
{
    public const int MaxBodyBytes = 1024 * 1024;

    /// <summary>A whole resource (PUT, POST).</summary>
    public const string Json = "application/json";

    /// <summary>RFC 7386's JSON merge patch (PATCH).</summary>
    public const string MergePatch = "application/merge-patch+json";

    private static readonly JsonDocumentOptions Strict = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowDuplicateProperties = false,
        MaxDepth = 64,
    };

    /// <summary>Reads an <c>application/json</c> body into <typeparamref name="T"/>, checked by <paramref name="validate"/> too.</summary>
    public static async Task<(T? Value, Refusal? Refusal)> ReadAsync<T>(
        HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken, Func<T, IReadOnlyDictionary<string, string[]>>? validate = null)
        where T : class
    {
        var (body, refusal) = await ReadObjectAsync(request, Json, cancellationToken);
        return refusal is not null ? (null, refusal) : JsonBinding.Bind(body!, typeInfo, validate);
    }

    /// <summary>Reads a body of media type <paramref name="mediaType"/> that must be a JSON object.</summary>
    public static async Task<(JsonObject? Body, Refusal? Refusal)> ReadObjectAsync(HttpRequest request, string mediaType, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        if (!IsMediaType(request.ContentType, mediaType))
        {
            return (null, Refusals.UnsupportedMediaType(request.HttpContext));
        }

        if (await RequestBody.ReadAsync(request, MaxBodyBytes, cancellationToken) is not { } bytes)
        {
            return (null, TooLarge());
        }

        if (JsonSyntax.Check(bytes) is { } notJson)
        {
            return (null, notJson);
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(bytes, documentOptions: Strict);
        }
        catch (JsonException)
        {
            // The syntax was checked above: what the document refuses beyond it is a repeated property.
            return (null, JsonSyntax.RepeatedProperty());
        }

        return node is JsonObject body ? (body, null) : (null, Refusals.Validation("$", "the body must be a JSON object."));
    }

    /// <summary>
    /// Whether the request's Content-Type is <paramref name="mediaType"/> (parameters such as a charset aside). A merge
    /// patch is never taken for a whole resource: read as one, every field it leaves out would be reset.
    /// </summary>
    private static bool IsMediaType(string? contentType, string mediaType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && (mediaType == Json
            ? (parsed.MediaType.Equals(Json, StringComparison.OrdinalIgnoreCase) || parsed.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase))
              && !parsed.MediaType.Equals(MergePatch, StringComparison.OrdinalIgnoreCase)
            : parsed.MediaType.Equals(mediaType, StringComparison.OrdinalIgnoreCase));

    private static Refusal TooLarge() => Refusals.Validation("$", $"the body must be at most {MaxBodyBytes} bytes.");
}
