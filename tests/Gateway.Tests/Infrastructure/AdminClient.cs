using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Gateway.Tests.Infrastructure;

/// <summary>An admin API caller holding one bearer token (or none); every answer is read whole, status and headers kept.</summary>
public sealed class AdminClient(GatewayHost gateway, string? token)
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public Task<AdminResponse> GetAsync(string path, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Get, path, null, headers);

    public Task<AdminResponse> PutAsync(string path, string json, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Put, path, json, headers);

    public Task<AdminResponse> DeleteAsync(string path, params (string Name, string Value)[] headers) =>
        SendAsync(HttpMethod.Delete, path, null, headers);

    /// <summary>A JSON merge patch (<c>application/merge-patch+json</c>).</summary>
    public Task<AdminResponse> PatchAsync(string path, string json, params (string Name, string Value)[] headers) =>
        SendTypedAsync(HttpMethod.Patch, path, json, "application/merge-patch+json", headers);

    /// <summary>Sends <paramref name="body"/> with the Content-Type <paramref name="contentType"/> (null: none).</summary>
    public Task<AdminResponse> SendTypedAsync(HttpMethod method, string path, string body, string? contentType, params (string Name, string Value)[] headers) =>
        SendAsync(method, path, body, contentType, chunked: false, headers);

    /// <summary>Sends the bytes of <paramref name="body"/> as they are, with the Content-Type <paramref name="contentType"/> (null: none).</summary>
    public Task<AdminResponse> SendBytesAsync(HttpMethod method, string path, byte[] body, string? contentType, params (string Name, string Value)[] headers) =>
        SendBytesAsync(method, path, body, contentType, chunked: false, headers);

    /// <summary>As <see cref="SendBytesAsync(HttpMethod, string, byte[], string?, (string Name, string Value)[])"/>; <paramref name="chunked"/>: with no Content-Length.</summary>
    public Task<AdminResponse> SendBytesAsync(HttpMethod method, string path, byte[] body, string? contentType, bool chunked, params (string Name, string Value)[] headers) =>
        SendAsync(method, path, new ByteArrayContent(body), contentType, chunked, headers);

    /// <summary>Sends <paramref name="json"/> (when given) as <c>application/json</c> to the gateway's <paramref name="path"/>.</summary>
    public Task<AdminResponse> SendAsync(HttpMethod method, string path, string? json = null, params (string Name, string Value)[] headers) =>
        SendAsync(method, path, json, chunked: false, headers);

    /// <summary>As <see cref="SendAsync(HttpMethod, string, string?, (string Name, string Value)[])"/>; <paramref name="chunked"/>: with no Content-Length.</summary>
    public Task<AdminResponse> SendAsync(HttpMethod method, string path, string? json, bool chunked, params (string Name, string Value)[] headers) =>
        SendAsync(method, path, json, "application/json", chunked, headers);

    private Task<AdminResponse> SendAsync(HttpMethod method, string path, string? json, string? contentType, bool chunked, (string Name, string Value)[] headers) =>
        SendAsync(method, path, json is null ? null : new StringContent(json, Encoding.UTF8), contentType, chunked, headers);

    private async Task<AdminResponse> SendAsync(HttpMethod method, string path, HttpContent? content, string? contentType, bool chunked, (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, gateway.AdminHttpUri(path));
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (content is not null)
        {
            request.Content = content;
            request.Content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);
            request.Headers.TransferEncodingChunked = chunked;
        }

        using var response = await Http.SendAsync(request, Wait.Token());
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var responseHeaders = response.Headers.Concat(response.Content.Headers)
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        return new AdminResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, Encoding.UTF8.GetString(bytes), responseHeaders) { Bytes = bytes };
    }
}

/// <summary>One admin API answer.</summary>
public sealed record AdminResponse(HttpStatusCode Status, string? ContentType, string Body, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The body as it came, for a body that is not text (an audio file).</summary>
    public byte[] Bytes { get; init; } = [];

    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string? ETag => Headers.GetValueOrDefault("ETag");

    public string? Location => Headers.GetValueOrDefault("Location");

    /// <summary>The problem's <c>code</c>; fails the test unless the answer is problem+json with that status.</summary>
    public string ProblemCode(HttpStatusCode status)
    {
        Assert.True(status == Status, $"expected {(int)status}, got {(int)Status}: {Body}");
        Assert.Equal("application/problem+json", ContentType);
        var json = Json;
        Assert.Equal((int)status, json.GetProperty("status").GetInt32());
        return json.GetProperty("code").GetString()!;
    }

    /// <summary>Asserts a problem+json answer with this status and code.</summary>
    public void AssertProblem(HttpStatusCode status, string code) => Assert.Equal(code, ProblemCode(status));

    /// <summary>Asserts a 400 validation_failed answer and returns its <c>errors</c> field names, sorted.</summary>
    public IReadOnlyList<string> ValidationErrors()
    {
        AssertProblem(HttpStatusCode.BadRequest, "validation_failed");
        return [.. Json.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
    }

    /// <summary>Asserts a status, with the body in the failure message.</summary>
    public AdminResponse AssertStatus(HttpStatusCode status)
    {
        Assert.True(status == Status, $"expected {(int)status}, got {(int)Status}: {Body}");
        return this;
    }
}
