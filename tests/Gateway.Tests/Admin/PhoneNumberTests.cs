using System.Net;
using Gateway.Core;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Admin;

/// <summary>A number routes to one agent: claiming a held one is 409, naming the holder only inside its own organization.</summary>
public sealed class PhoneNumberTests
{
    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_number_another_agent_of_the_org_holds_is_409_naming_that_agent(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var acme = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await acme.PutAsync("/admin/v1/orgs/acme/agents/support", """{"phoneNumbers":["+15550001001"]}""")).AssertStatus(HttpStatusCode.Created);

        var taken = await acme.PutAsync("/admin/v1/orgs/acme/agents/billing", """{"phoneNumbers":["+15550003003","+15550001001"]}""");

        taken.AssertProblem(HttpStatusCode.Conflict, "phone_number_taken");
        Assert.Equal("+15550001001 belongs to agent 'support'; remove it there first.", taken.Json.GetProperty("detail").GetString());
        Assert.False(gateway.Registry.Current.TryGet(new AgentKey("acme", "billing"), out _));
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_number_another_org_holds_is_409_without_naming_it(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var globex = new AdminClient(gateway, AdminTokens.ForOrg("globex"));
        var acme = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await globex.PutAsync("/admin/v1/orgs/globex/agents/sales", """{"phoneNumbers":["+15550002002"]}""")).AssertStatus(HttpStatusCode.Created);
        (await acme.PutAsync("/admin/v1/orgs/acme/agents/support", "{}")).AssertStatus(HttpStatusCode.Created);
        var before = gateway.Registry.Current.TryGet(new AgentKey("acme", "support"), out var support) ? support.Revision : 0;

        var taken = await acme.PutAsync("/admin/v1/orgs/acme/agents/support", """{"phoneNumbers":["+15550002002"]}""");

        taken.AssertProblem(HttpStatusCode.Conflict, "phone_number_taken");
        Assert.Equal("+15550002002 belongs to another organization; remove it there first.", taken.Json.GetProperty("detail").GetString());
        Assert.DoesNotContain("globex", taken.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("sales", taken.Body, StringComparison.Ordinal);
        Assert.True(gateway.Registry.Current.TryGet(new AgentKey("acme", "support"), out support));
        Assert.Equal(before, support.Revision);
        Assert.Empty(support.Resource.PhoneNumbers);
    }

    [Fact]
    public async Task An_agent_may_keep_its_own_numbers_and_move_one_after_release()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var acme = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        (await acme.PutAsync("/admin/v1/orgs/acme/agents/support", """{"phoneNumbers":["+15550001001","+15550001002"]}""")).AssertStatus(HttpStatusCode.Created);

        (await acme.PutAsync("/admin/v1/orgs/acme/agents/support", """{"phoneNumbers":["+15550001001"]}""")).AssertStatus(HttpStatusCode.OK);
        (await acme.PutAsync("/admin/v1/orgs/acme/agents/billing", """{"phoneNumbers":["+15550001002"]}""")).AssertStatus(HttpStatusCode.Created);

        Assert.True(gateway.Registry.Current.TryGetByPhoneNumber("+15550001002", out var owner));
        Assert.Equal(new AgentKey("acme", "billing"), owner.Key);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task GET_numbers_lists_the_org_s_numbers_only(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.PlatformAdmin());
        (await admin.PutAsync("/admin/v1/orgs/acme/agents/support", """{"phoneNumbers":["+15550001002","+15550001001"]}""")).AssertStatus(HttpStatusCode.Created);
        (await admin.PutAsync("/admin/v1/orgs/acme/agents/billing", """{"phoneNumbers":["+15550001003"]}""")).AssertStatus(HttpStatusCode.Created);
        (await admin.PutAsync("/admin/v1/orgs/acme/agents/quiet", "{}")).AssertStatus(HttpStatusCode.Created);
        (await admin.PutAsync("/admin/v1/orgs/globex/agents/sales", """{"phoneNumbers":["+15550002002"]}""")).AssertStatus(HttpStatusCode.Created);

        var acme = await new AdminClient(gateway, AdminTokens.ForOrg("acme")).GetAsync("/admin/v1/orgs/acme/numbers");
        var globex = await new AdminClient(gateway, AdminTokens.ForOrg("globex")).GetAsync("/admin/v1/orgs/globex/numbers");
        var initech = await new AdminClient(gateway, AdminTokens.ForOrg("initech")).GetAsync("/admin/v1/orgs/initech/numbers");

        Assert.Equal(
            """{"numbers":[{"number":"+15550001001","agent":"support"},{"number":"+15550001002","agent":"support"},{"number":"+15550001003","agent":"billing"}]}""",
            acme.AssertStatus(HttpStatusCode.OK).Body);
        Assert.Equal("""{"numbers":[{"number":"+15550002002","agent":"sales"}]}""", globex.AssertStatus(HttpStatusCode.OK).Body);
        Assert.Equal("""{"numbers":[]}""", initech.AssertStatus(HttpStatusCode.OK).Body);
    }
}
