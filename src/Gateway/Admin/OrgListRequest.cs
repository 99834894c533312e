using System.Security.Claims;

namespace Gateway.Admin;

/// <summary><c>GET /orgs</c>: what it lists depends only on who asks.</summary>
internal readonly record struct OrgListRequest(ClaimsPrincipal User);
