using Gateway.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Gateway.Texml;

/// <summary>
/// Telnyx's TeXML fetch: the raw body (what the signature covers) and the call's fields, from the form of a POST or
/// the query of a GET.
/// </summary>
public sealed class TexmlRequest
{
    private readonly IFormCollection? _form;
    private readonly IQueryCollection _query;

    private TexmlRequest(byte[] rawBody, IFormCollection? form, IQueryCollection query)
    {
        RawBody = rawBody;
        _form = form;
        _query = query;
    }

    /// <summary>The body bytes exactly as received; empty for a GET.</summary>
    public byte[] RawBody { get; }

    /// <summary>
    /// A field of the request, or null when absent; the first value when repeated. A POST's fields come from its form
    /// only: the signature covers the body, not the URL, so nothing from the query may stand in for a signed field.
    /// </summary>
    public string? Field(string name)
    {
        if (_form is not null)
        {
            return _form.TryGetValue(name, out var formValue) ? First(formValue) : null;
        }

        return _query.TryGetValue(name, out var queryValue) ? First(queryValue) : null;
    }

    /// <summary>The called number (<c>To</c>), E.164.</summary>
    public string? To
    {
        get
        {
            // A '+' sent unencoded in a query or form arrives as a space; E.164 numbers hold no spaces, so put it back.
            var to = Field("To");
            return to is [' ', .. var rest] ? "+" + rest.Trim() : to?.Trim();
        }
    }

    /// <summary>Reads the request; a body that is too large or not a form is refused.</summary>
    public static async Task<(TexmlRequest? Request, Refusal? Refusal)> ReadAsync(HttpContext context, int maxBytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        var request = context.Request;

        // Buffered so that the same bytes are both checked against the signature and parsed as the form: the signature
        // covers the body exactly as sent, never a re-encoding of the parsed fields.
        request.EnableBuffering(bufferThreshold: maxBytes);
        byte[]? raw;
        try
        {
            raw = await RequestBody.ReadAsync(request, maxBytes, context.RequestAborted);
        }
        catch (BadHttpRequestException e)
        {
            return (null, TexmlRefusals.Invalid(e.StatusCode, e.Message));
        }

        if (raw is null)
        {
            return (null, TexmlRefusals.TooLarge(maxBytes));
        }

        request.Body.Position = 0;
        IFormCollection? form = null;
        if (request.HasFormContentType)
        {
            try
            {
                form = await request.ReadFormAsync(context.RequestAborted);
            }
            catch (InvalidDataException e)
            {
                return (null, TexmlRefusals.Invalid(StatusCodes.Status400BadRequest, "The TeXML request's form could not be read: " + e.Message));
            }
        }

        return (new TexmlRequest(raw, form, request.Query), null);
    }

    private static string? First(StringValues values) => values.Count == 0 ? null : values[0];
}
