using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Core;

/// <summary>A request's whole body, read with a cap the server enforces too.</summary>
internal static class RequestBody
{
    /// <summary>
    /// Reads the body, at most <paramref name="maxBytes"/> of it; null when it is longer. A caller checks
    /// Content-Length first (it refuses before anything is read); a chunked body has none, so the server's own limit
    /// for this request is lowered to the cap and what it refuses mid-read is the same "too large".
    /// </summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        try
        {
            using var buffer = new MemoryStream();
            await request.Body.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }
}
