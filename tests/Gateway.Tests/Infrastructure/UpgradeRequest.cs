using System.Net;
using System.Text.Json;

namespace Gateway.Tests.Infrastructure;

/// <summary>A WebSocket upgrade request sent as plain HTTP, to read the status and problem+json of a refused call.</summary>
public static class UpgradeRequest
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    public static async Task<(HttpStatusCode Status, string ContentType, JsonElement Problem)> SendAsync(Uri wsUri, bool upgrade = true, IReadOnlyDictionary<string, string>? headers = null)
    {
        var uri = new UriBuilder(wsUri) { Scheme = "http" }.Uri;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (upgrade)
        {
            request.Headers.Connection.Add("Upgrade");
            request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
            request.Headers.Add("Sec-WebSocket-Version", "13");
            request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(Guid.NewGuid().ToByteArray()));
        }

        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var contentType = response.Content.Headers.ContentType?.MediaType ?? string.Empty;
        var problem = contentType.Contains("json", StringComparison.Ordinal)
            ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone()
            : default;
        return (response.StatusCode, contentType, problem);
    }
}
