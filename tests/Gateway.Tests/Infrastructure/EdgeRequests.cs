using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// An edge service's request and answer with no server: a <see cref="DefaultHttpContext"/> whose services render
/// refusals as the gateway does (ASP.NET Core's problem details, through the real RefusalWriter), and the answer read
/// back as an <see cref="AdminResponse"/>, for the same assertions the functional tests make.
/// </summary>
public static class EdgeRequests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();

    /// <param name="body">Sent as <paramref name="contentType"/> when given.</param>
    public static DefaultHttpContext Create(string method, string path, string? body = null, string contentType = "application/json", params (string Name, string Value)[] headers)
    {
        var context = new DefaultHttpContext { RequestServices = Services };
        context.Request.Method = method;
        var query = path.IndexOf('?', StringComparison.Ordinal);
        context.Request.Path = query < 0 ? path : path[..query];
        context.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(path[query..]);
        context.Request.Host = new HostString("gateway.test");
        if (body is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Request.Body = new MemoryStream(bytes);
            context.Request.ContentType = contentType;
            context.Request.ContentLength = bytes.Length;
        }

        foreach (var (name, value) in headers)
        {
            context.Request.Headers.Append(name, value);
        }

        context.Response.Body = new MemoryStream();
        return context;
    }

    /// <summary>Executes what a service answered, as its endpoint does, and reads the response back.</summary>
    public static async Task<AdminResponse> AnswerAsync(this HttpContext context, IResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        await result.ExecuteAsync(context);
        return context.Answer();
    }

    /// <summary>The response a service wrote itself.</summary>
    public static AdminResponse Answer(this HttpContext context)
    {
        var response = context.Response;
        var body = Encoding.UTF8.GetString(((MemoryStream)response.Body).ToArray());
        var headers = response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var mediaType = response.ContentType is { } contentType ? MediaTypeHeaderValue.Parse(contentType).MediaType.ToString() : null;
        return new AdminResponse((HttpStatusCode)response.StatusCode, mediaType, body, headers);
    }
}
