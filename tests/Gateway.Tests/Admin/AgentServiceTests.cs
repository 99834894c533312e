using System.Net;
using Gateway.Admin;
using Gateway.Core;
using Gateway.Kubernetes;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Admin;

/// <summary><see cref="AgentService"/> over the in-process registry: no server, no Redis.</summary>
public sealed class AgentServiceTests
{
    private static readonly AgentKey Support = new("acme", "support");

    private readonly EmbeddedAgentRegistry _registry = new(new Dictionary<AgentKey, AgentResource>());

    private AgentService Service => new(_registry, KubernetesAccess.Locate(new KubernetesOptions { Enabled = false }, kubeConfigVariable: null, contentRoot: "."));

    [Fact]
    public async Task A_new_agent_is_201_with_its_location_and_ETag_and_is_stored()
    {
        var context = EdgeRequests.Create("PUT", "/admin/v1/orgs/acme/agents/support", """{"maxConcurrentCalls":3}""");

        var answer = await context.AnswerAsync(await Service.PutAsync(new AgentRequest("acme", "support", context)));

        answer.AssertStatus(HttpStatusCode.Created);
        Assert.Equal("/admin/v1/orgs/acme/agents/support", answer.Location);
        Assert.True(_registry.Current.TryGet(Support, out var stored));
        Assert.Equal(3, stored.Resource.MaxConcurrentCalls);
        Assert.Equal(EntityTags.For(stored.Resource), answer.ETag);
        Assert.Equal(3, answer.Json.GetProperty("maxConcurrentCalls").GetInt32());
    }

    [Fact]
    public async Task A_name_no_agent_can_have_is_a_validation_problem_naming_the_agent()
    {
        var context = EdgeRequests.Create("PUT", "/admin/v1/orgs/acme/agents/Support", "{}");

        var answer = await context.AnswerAsync(await Service.PutAsync(new AgentRequest("acme", "Support", context)));

        Assert.Equal(["agent"], answer.ValidationErrors());
        Assert.Empty(_registry.Current.Agents);
    }

    [Fact]
    public async Task Create_only_over_an_existing_agent_is_412()
    {
        await _registry.PutAsync(Support, new AgentResource());
        var context = EdgeRequests.Create("PUT", "/admin/v1/orgs/acme/agents/support", "{}", headers: ("If-None-Match", "*"));

        var answer = await context.AnswerAsync(await Service.PutAsync(new AgentRequest("acme", "support", context)));

        answer.AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal("Agent 'support.acme' already exists (If-None-Match: *).", answer.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_number_another_organization_holds_is_a_conflict_that_does_not_name_it()
    {
        await _registry.PutAsync(new AgentKey("globex", "sales"), new AgentResource { PhoneNumbers = ["+13125550100"] });
        var context = EdgeRequests.Create("PUT", "/admin/v1/orgs/acme/agents/support", """{"phoneNumbers":["+13125550100"]}""");

        var answer = await context.AnswerAsync(await Service.PutAsync(new AgentRequest("acme", "support", context)));

        answer.AssertProblem(HttpStatusCode.Conflict, "phone_number_taken");
        Assert.Equal("+13125550100 belongs to another organization; remove it there first.", answer.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_unknown_agent_is_404_on_read_and_delete()
    {
        var read = EdgeRequests.Create("GET", "/admin/v1/orgs/acme/agents/support");
        var delete = EdgeRequests.Create("DELETE", "/admin/v1/orgs/acme/agents/support");

        var readAnswer = await read.AnswerAsync(Service.Get(new AgentRequest("acme", "support", read)));
        var deleteAnswer = await delete.AnswerAsync(await Service.DeleteAsync(new AgentRequest("acme", "support", delete)));

        readAnswer.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("No agent 'support' in organization 'acme'.", readAnswer.Json.GetProperty("detail").GetString());
        deleteAnswer.AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_delete_is_204_and_the_agent_is_gone()
    {
        await _registry.PutAsync(Support, new AgentResource());
        var context = EdgeRequests.Create("DELETE", "/admin/v1/orgs/acme/agents/support");

        var answer = await context.AnswerAsync(await Service.DeleteAsync(new AgentRequest("acme", "support", context)));

        answer.AssertStatus(HttpStatusCode.NoContent);
        Assert.False(_registry.Current.TryGet(Support, out _));
    }

    [Fact]
    public async Task The_list_holds_only_the_organizations_agents_by_name()
    {
        await _registry.PutAsync(new AgentKey("acme", "zeta"), new AgentResource());
        await _registry.PutAsync(Support, new AgentResource());
        await _registry.PutAsync(new AgentKey("globex", "alpha"), new AgentResource());
        var context = EdgeRequests.Create("GET", "/admin/v1/orgs/acme/agents");

        var answer = await context.AnswerAsync(Service.List(new OrgRequest("acme", context)));

        answer.AssertStatus(HttpStatusCode.OK);
        Assert.Equal(["support", "zeta"], answer.Json.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task A_rewrite_keeps_the_heartbeat_the_gateway_renewed()
    {
        var renewed = DateTimeOffset.UtcNow.AddMinutes(5);
        await _registry.PutAsync(Support, new AgentResource { Instances = [new AgentInstance { Id = "pod-1", Url = new Uri("ws://bot:8765/ws"), ExpiresAt = renewed }] });
        var context = EdgeRequests.Create("PUT", "/admin/v1/orgs/acme/agents/support", """{"instances":[{"id":"pod-1","url":"ws://bot:8765/ws"}]}""");

        var answer = await context.AnswerAsync(await Service.PutAsync(new AgentRequest("acme", "support", context)));

        answer.AssertStatus(HttpStatusCode.OK);
        Assert.True(_registry.Current.TryGet(Support, out var stored));
        Assert.Equal(renewed, Assert.Single(stored.Resource.Instances).ExpiresAt);
    }
}
