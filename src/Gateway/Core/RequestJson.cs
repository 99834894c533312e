using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Core;

/// <summary>
/// Reads an edge's JSON request body (the admin API's, dial-out's) with its strict contract (unknown fields refused),
/// turning a parse failure into a field-level 400 rather than the framework's generic one.
/// </summary>
internal static class RequestJson
{
    public const int MaxBodyBytes = 1024 * 1024;

    public static async Task<(T? Value, Refusal? Refusal)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return (null, TooLarge());
        }

        if (!request.HasJsonContentType())
        {
            return (null, new Refusal(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Unsupported media type", "Send the body as application/json."));
        }

        // The Content-Length check above misses a chunked body: cap what the server reads, too.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }

        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, typeInfo, cancellationToken);
            return value is null ? (null, Refusals.Validation("$", "the body must be a JSON object.")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, Refusals.Validation(FieldOf(e.Path), Describe(e)));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge());
        }
    }

    private static Refusal TooLarge() => Refusals.Validation("$", $"the body must be at most {MaxBodyBytes} bytes.");

    /// <summary><c>$.instances[0].capacity</c> → <c>instances[0].capacity</c>, the field names errors use.</summary>
    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "$" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    private static string Describe(JsonException e)
    {
        // The serializer's messages name .NET types; keep the part a client can act on.
        var message = e.Message;
        if (message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            return "is not a field of this resource.";
        }

        // "The JSON value could not be converted to {the resource's .NET class}." names the class that holds the field,
        // not what the field takes: a wrong JSON type, or a string that is not one of an enumeration's values.
        if (message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal))
        {
            return "has the wrong JSON type, or a value this field does not take.";
        }

        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
