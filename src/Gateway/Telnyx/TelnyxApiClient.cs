using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Gateway.Telnyx;

/// <summary>Telnyx's REST API (<c>Telnyx:ApiBaseUrl</c>), called with a tenant's own API key.</summary>
public sealed class TelnyxApiClient(HttpClient http, IOptions<TelnyxOptions> options)
{
    /// <summary>POSTs a JSON body to a <c>/v2/…</c> path and reads Telnyx's JSON answer, success or error.</summary>
    /// <exception cref="TelnyxRequestNotSentException">The key cannot travel in a header: nothing was sent.</exception>
    public async Task<TelnyxApiResponse> PostAsync(string path, string apiKey, JsonObject body, CancellationToken cancellationToken)
    {
        // Checked here, not left to the HTTP stack, whose failure would look like a network one.
        if (!TelnyxOptions.IsSendableApiKey(apiKey))
        {
            throw new TelnyxRequestNotSentException("the Telnyx API key holds characters an HTTP header cannot carry");
        }

        // Appended, not resolved against the base: a base URL with a path (a proxy in front of Telnyx) keeps it, as
        // the call-control forwarder keeps it.
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Value.ApiBaseUrl.AbsoluteUri.TrimEnd('/') + path))
        {
            Content = JsonContent.Create(body, TelnyxJsonContext.Default.JsonObject),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        JsonNode? json = null;
        try
        {
            json = text.Length == 0 ? null : JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            // Telnyx answers JSON; anything else (a proxy's HTML error page) is kept as no body.
        }

        return new TelnyxApiResponse((int)response.StatusCode, json);
    }
}

/// <summary>Telnyx's status and JSON body.</summary>
public sealed record TelnyxApiResponse(int StatusCode, JsonNode? Body)
{
    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>The first entry of Telnyx's <c>errors</c> array: its code, title and detail.</summary>
    public (string? Code, string? Title, string? Detail) FirstError
    {
        get
        {
            var error = Body?["errors"] is JsonArray { Count: > 0 } errors ? errors[0] : null;
            return (error?["code"]?.ToString(), error?["title"]?.ToString(), error?["detail"]?.ToString());
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(JsonObject))]
internal sealed partial class TelnyxJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
