using Gateway.Texml;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

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
        var handler = endpoints.ServiceProvider.GetRequiredService<TexmlHandler>();
        endpoints.MapMethods("/texml/{org}/{agent}", Methods, handler.HandleAgentAsync);
        endpoints.MapMethods("/texml", Methods, handler.HandleNumberAsync);
        return endpoints;
    }
}
