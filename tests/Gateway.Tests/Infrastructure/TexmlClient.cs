using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml;

namespace Gateway.Tests.Infrastructure;

/// <summary>What the gateway answered to a TeXML fetch.</summary>
public sealed record TexmlResponse(HttpStatusCode Status, string MediaType, string? CharSet, string? CacheControl, string Body)
{
    /// <summary>The problem+json of a refusal.</summary>
    public JsonElement Problem() => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>The document's <c>&lt;Stream url&gt;</c>, read with an XML parser (entities resolved).</summary>
    public string StreamUrl() => TexmlClient.StreamUrl(Body);

    /// <summary>The stream URL's query, for <see cref="GatewayHost.CallUri"/>.</summary>
    public string StreamQuery()
    {
        var url = StreamUrl();
        return url[(url.IndexOf('?', StringComparison.Ordinal) + 1)..];
    }
}

/// <summary>Fetches TeXML from a gateway as Telnyx does: GET with a query, or POST with a form.</summary>
public static class TexmlClient
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler { AllowAutoRedirect = false });

    /// <summary>The fields Telnyx sends with every TeXML fetch, for a call to <paramref name="to"/>.</summary>
    public static (string Name, string Value)[] CallFields(string callSid = "v3:9X2vxPDFY2RHSJ1EdMS0RHRksMTg7ldNxdjWbVr9zBjbGjGsSe-aiQ", string from = "+13122010091", string to = "+13122010090") =>
    [
        ("AccountSid", "6a9a7976-012e-45d2-9258-6f5dc68d861e"),
        ("CallSid", callSid),
        ("CallSidLegacy", callSid),
        ("CallerId", from),
        ("CallingPartyType", "pstn"),
        ("From", from),
        ("FromSipUri", "sip:" + from + "@sip.telnyx.com"),
        ("To", to),
        ("ToSipUri", "sip:" + to + "@sip.telnyx.com"),
        ("ConnectionId", "1568109700606592442"),
        ("CallStatus", "in-progress"),
    ];

    /// <summary>URL-encoded fields, as both a form body and a query string carry them.</summary>
    public static string Encode(IEnumerable<(string Name, string Value)> fields) =>
        string.Join('&', fields.Select(f => Uri.EscapeDataString(f.Name) + "=" + Uri.EscapeDataString(f.Value)));

    public static Task<TexmlResponse> PostAsync(Uri uri, string form, IReadOnlyDictionary<string, string>? headers = null) =>
        PostAsync(uri, Encoding.UTF8.GetBytes(form), headers);

    public static async Task<TexmlResponse> PostAsync(Uri uri, byte[] body, IReadOnlyDictionary<string, string>? headers = null, string contentType = "application/x-www-form-urlencoded")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        return await SendAsync(request, headers);
    }

    public static async Task<TexmlResponse> GetAsync(Uri uri, IReadOnlyDictionary<string, string>? headers = null, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (host is not null)
        {
            request.Headers.Host = host;
        }

        return await SendAsync(request, headers);
    }

    public static string StreamUrl(string document)
    {
        var xml = new XmlDocument { XmlResolver = null };
        xml.LoadXml(document);
        return xml.SelectSingleNode("/Response/Connect/Stream/@url")?.Value ?? throw new InvalidOperationException("no <Stream url> in " + document);
    }

    private static async Task<TexmlResponse> SendAsync(HttpRequestMessage request, IReadOnlyDictionary<string, string>? headers)
    {
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = new CancellationTokenSource(Wait.Timeout);
        using var response = await Client.SendAsync(request, timeout.Token);
        return new TexmlResponse(
            response.StatusCode,
            response.Content.Headers.ContentType?.MediaType ?? string.Empty,
            response.Content.Headers.ContentType?.CharSet,
            response.Headers.CacheControl?.ToString(),
            await response.Content.ReadAsStringAsync(timeout.Token));
    }
}
