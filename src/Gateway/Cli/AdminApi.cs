using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Cli;

/// <summary>An agent as the admin API returned it, with the ETag its writes must name.</summary>
internal sealed record AgentState(JsonNode Json, string ETag);

/// <summary>
/// The admin API over HTTP, as any client would use it: bearer token, JSON bodies, ETags. A refusal throws
/// <see cref="AdminApiException"/>; a gateway that cannot be reached throws <see cref="HttpRequestException"/>.
/// </summary>
internal sealed class AdminApi(HttpClient http)
{
    public async Task<AgentState?> GetAgentAsync(string org, string agent, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, AgentPath(org, agent), body: null, headers: null, allowNotFound: true, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var json = await ReadJsonAsync(response, cancellationToken);
        return new AgentState(json, response.Headers.ETag?.ToString() ?? string.Empty);
    }

    /// <summary>Creates (<paramref name="etag"/> null: <c>If-None-Match: *</c>) or replaces the agent over that ETag.</summary>
    public async Task PutAgentAsync(string org, string agent, string json, string? etag, CancellationToken cancellationToken)
    {
        var headers = etag is null ? ("If-None-Match", "*") : ("If-Match", etag);
        using var response = await SendAsync(HttpMethod.Put, AgentPath(org, agent), json, headers, allowNotFound: false, cancellationToken);
    }

    public async Task DeleteAgentAsync(string org, string agent, string? etag, CancellationToken cancellationToken)
    {
        var headers = etag is null ? default((string, string)?) : ("If-Match", etag);
        using var response = await SendAsync(HttpMethod.Delete, AgentPath(org, agent), body: null, headers, allowNotFound: false, cancellationToken);
    }

    /// <summary>GET of any admin route's JSON; null for a 404 when <paramref name="allowNotFound"/>.</summary>
    public async Task<JsonNode?> GetJsonAsync(string path, bool allowNotFound, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, path, body: null, headers: null, allowNotFound, cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadJsonAsync(response, cancellationToken);
    }

    public async Task PutJsonAsync(string path, string json, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Put, path, json, headers: null, allowNotFound: false, cancellationToken);
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, path, body: null, headers: null, allowNotFound: false, cancellationToken);
    }

    public static string AgentPath(string org, string agent) => $"/admin/v1/orgs/{org}/agents/{agent}";

    private async Task<HttpResponseMessage> SendAsync(
        HttpMethod method,
        string path,
        string? body,
        (string Name, string Value)? headers,
        bool allowNotFound,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        if (headers is { } header)
        {
            request.Headers.TryAddWithoutValidation(header.Name, header.Value);
        }

        var response = await http.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode || (allowNotFound && response.StatusCode == HttpStatusCode.NotFound))
        {
            return response;
        }

        using (response)
        {
            throw await RefusalAsync(method, path, response, cancellationToken);
        }
    }

    private static async Task<JsonNode> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken)) ?? new JsonObject();

    /// <summary>The problem details of a refusal, whatever of them the body has (a 401 may have none).</summary>
    private static async Task<AdminApiException> RefusalAsync(HttpMethod method, string path, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string? code = null;
        string? detail = null;
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            if (text.Length > 0 && JsonNode.Parse(text) is JsonObject problem)
            {
                code = (string?)problem["code"];
                detail = (string?)problem["detail"] ?? (string?)problem["title"];
                if (problem["errors"] is JsonObject fields)
                {
                    foreach (var (field, messages) in fields)
                    {
                        errors[field] = messages is JsonArray list ? [.. list.Select(m => m?.ToString() ?? string.Empty)] : [messages?.ToString() ?? string.Empty];
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not problem details: the status says what there is to say.
        }

        if (detail is null && response.Headers.WwwAuthenticate.FirstOrDefault() is AuthenticationHeaderValue challenge)
        {
            detail = $"WWW-Authenticate: {challenge}";
        }

        return new AdminApiException(method.Method, path, response.StatusCode, code, detail, errors);
    }
}
