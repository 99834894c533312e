using System.Net;
using System.Security.Claims;
using Gateway.Admin;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Admin;

/// <summary><see cref="OrgService"/>: the organizations a token sees, and an organization's numbers.</summary>
public sealed class OrgServiceTests
{
    private readonly EmbeddedAgentRegistry _registry = new(new Dictionary<AgentKey, AgentResource>
    {
        [new AgentKey("acme", "support")] = new AgentResource { PhoneNumbers = ["+13125550102", "+13125550101"] },
        [new AgentKey("acme", "sales")] = new AgentResource { PhoneNumbers = ["+13125550100"] },
        [new AgentKey("globex", "support")] = new AgentResource { PhoneNumbers = ["+13125550199"] },
    });

    [Fact]
    public async Task A_tenant_token_lists_its_organizations_and_a_platform_admin_all()
    {
        var service = new OrgService(_registry);
        var tenant = new ClaimsPrincipal(new ClaimsIdentity([new Claim(GatewayClaims.Org, "acme"), new Claim(GatewayClaims.Org, "initech")], "test"));
        var admin = new ClaimsPrincipal(new ClaimsIdentity([new Claim(GatewayClaims.Role, GatewayClaims.PlatformAdmin)], "test"));

        var seenByTenant = await EdgeRequests.Create("GET", "/admin/v1/orgs").AnswerAsync(service.List(new OrgListRequest(tenant)));
        var seenByAdmin = await EdgeRequests.Create("GET", "/admin/v1/orgs").AnswerAsync(service.List(new OrgListRequest(admin)));

        Assert.Equal(["acme:2"], Orgs(seenByTenant));
        Assert.Equal(["acme:2", "globex:1"], Orgs(seenByAdmin));
    }

    [Fact]
    public async Task The_numbers_are_the_organizations_in_order_with_their_agent()
    {
        var context = EdgeRequests.Create("GET", "/admin/v1/orgs/acme/numbers");

        var answer = await context.AnswerAsync(new OrgService(_registry).Numbers(new OrgRequest("acme", context)));

        Assert.Equal(
            ["+13125550100 sales", "+13125550101 support", "+13125550102 support"],
            answer.AssertStatus(HttpStatusCode.OK).Json.GetProperty("numbers").EnumerateArray().Select(n => $"{n.GetProperty("number").GetString()} {n.GetProperty("agent").GetString()}"));
    }

    private static IEnumerable<string> Orgs(AdminResponse answer) =>
        answer.AssertStatus(HttpStatusCode.OK).Json.GetProperty("orgs").EnumerateArray().Select(o => $"{o.GetProperty("name").GetString()}:{o.GetProperty("agents").GetInt32()}");
}
