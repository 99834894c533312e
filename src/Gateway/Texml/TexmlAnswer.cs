using Microsoft.AspNetCore.Http;

namespace Gateway.Texml;

/// <summary>A TeXML document answered to Telnyx: always 200, as Telnyx plays nothing for an error status.</summary>
public sealed class TexmlAnswer(byte[] document) : IResult
{
    private const string XmlContentType = "application/xml; charset=utf-8";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = XmlContentType;

        // A document may carry a stream token: no cache along the way may keep it or hand it to anyone else.
        response.Headers.CacheControl = "no-store";
        response.ContentLength = document.Length;
        await response.Body.WriteAsync(document, httpContext.RequestAborted);
    }
}
