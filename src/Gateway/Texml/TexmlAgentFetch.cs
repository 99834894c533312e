using Microsoft.AspNetCore.Http;

namespace Gateway.Texml;

/// <summary>Telnyx's TeXML fetch for one agent, <c>GET|POST /texml/{org}/{agent}</c>; its fields and signed body are in the request.</summary>
public readonly record struct TexmlAgentFetch(string Org, string Agent, HttpContext Context);
