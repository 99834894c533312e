using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Core;

/// <summary>A request's whole body, read with a cap.</summary>
internal static class RequestBody
{
    private const int ChunkBytes = 16 * 1024;

    /// <summary>
    /// Reads the body, at most <paramref name="maxBytes"/> of it; null when it is longer. A caller checks
    /// Content-Length first (to refuse before anything is read); a chunked body has none, so the server's own limit for
    /// this request is lowered to the cap too (it stops reading from the client there), and the copy stops at the cap
    /// wherever the server cannot be told.
    /// </summary>
    /// <exception cref="BadHttpRequestException">The body is malformed (e.g. broken chunking), other than too large.</exception>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes;
        }

        // Pooled: TeXML's form is read this way once per call, and a fresh 16 KiB array per call is gen0 churn.
        var chunk = ArrayPool<byte>.Shared.Rent(Math.Min(ChunkBytes, maxBytes + 1));
        try
        {
            using var body = new MemoryStream();
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (body.Length + read > maxBytes)
                {
                    return null;
                }

                body.Write(chunk, 0, read);
            }

            return body.ToArray();
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }
}
