using Microsoft.AspNetCore.Http;

namespace Gateway.Texml;

/// <summary>Telnyx's TeXML fetch routed by the called number, <c>GET|POST /texml</c>: <c>To</c> and the rest are in the request.</summary>
public readonly record struct TexmlNumberFetch(HttpContext Context);
