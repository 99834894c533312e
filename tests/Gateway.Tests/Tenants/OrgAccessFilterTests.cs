using System.Net;
using System.Security.Claims;
using Gateway.Core;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Tenants;

/// <summary><see cref="OrgAccessFilter"/>, the organization scope of admin and dial-out routes, without a server.</summary>
public sealed class OrgAccessFilterTests
{
    private static readonly ClaimsPrincipal PlatformAdmin = Token(new Claim(GatewayClaims.Role, GatewayClaims.PlatformAdmin));
    private static readonly ClaimsPrincipal Acme = Token(new Claim(GatewayClaims.Org, "acme"));

    [Fact]
    public async Task A_tenant_token_reaches_its_own_organization_only_and_another_looks_absent()
    {
        var own = await FilterAsync(Acme, "acme");
        var other = await FilterAsync(Acme, "globex");

        Assert.Null(own);
        other!.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("No organization 'globex'.", other.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_token_granting_no_organization_is_403()
    {
        var answer = await FilterAsync(Token(), "acme");

        answer!.AssertProblem(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_platform_admin_reaches_any_organization_with_a_valid_name()
    {
        Assert.Null(await FilterAsync(PlatformAdmin, "globex"));
        Assert.Equal(["org"], (await FilterAsync(PlatformAdmin, "Not-Valid"))!.ValidationErrors());
    }

    /// <returns>The refusal, or null when the route was let through.</returns>
    private static async Task<AdminResponse?> FilterAsync(ClaimsPrincipal user, string org)
    {
        var context = EdgeRequests.Create("GET", $"/admin/v1/orgs/{org}/agents");
        context.User = user;
        context.Request.RouteValues["org"] = org;
        var passed = new object();

        var result = await new OrgAccessFilter().InvokeAsync(new DefaultEndpointFilterInvocationContext(context), _ => ValueTask.FromResult<object?>(passed));

        return ReferenceEquals(result, passed) ? null : await context.AnswerAsync((IResult)result!);
    }

    private static ClaimsPrincipal Token(params Claim[] claims) => new(new ClaimsIdentity(claims, "test"));
}
