using Microsoft.AspNetCore.Http;

namespace Gateway.Admin;

/// <summary>A request about an organization as a whole, <c>/orgs/{org}/…</c>: its agents, numbers, sessions or Telnyx account.</summary>
internal readonly record struct OrgRequest(string Org, HttpContext Context);
