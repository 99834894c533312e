using Gateway.Texml;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

public static class TexmlEndpoints
{
    private static readonly string[] Methods = ["GET", "POST"];

    /// <summary>
    /// Telnyx's TeXML fetches, by GET (query) or POST (form), as the TeXML application's "Voice Method" says:
    /// <c>/texml/{org}/{agent}</c> per agent and <c>/texml</c> routed by the called number.
    /// </summary>
    public static IEndpointRouteBuilder MapTexml(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapMethods("/texml/{org}/{agent}", Methods, ([AsParameters] TexmlAgentFetch fetch, TexmlHandler texml) => texml.AnswerAgentAsync(fetch));
        endpoints.MapMethods("/texml", Methods, ([AsParameters] TexmlNumberFetch fetch, TexmlHandler texml) => texml.AnswerNumberAsync(fetch));
        return endpoints;
    }
}
