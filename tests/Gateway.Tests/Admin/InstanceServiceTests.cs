using System.Net;
using Gateway.Admin;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Admin;

/// <summary><see cref="InstanceService"/> over the in-process registry, on a clock the test moves.</summary>
public sealed class InstanceServiceTests
{
    private const string Path = "/admin/v1/orgs/acme/agents/support/instances/";

    private static readonly AgentKey Support = new("acme", "support");

    private readonly EmbeddedAgentRegistry _registry = new(new Dictionary<AgentKey, AgentResource> { [Support] = new AgentResource() });
    private readonly ShiftedTimeProvider _time = new();

    private InstanceService Service => new(_registry, _time);

    [Fact]
    public async Task A_heartbeat_registers_the_instance_until_its_ttl_from_now()
    {
        var answer = await PutAsync("pod-1", """{"url":"ws://bot:8765/ws","capacity":2,"ttlSeconds":30}""");

        answer.AssertStatus(HttpStatusCode.Created);
        Assert.True(_registry.Current.TryGet(Support, out var stored));
        var instance = Assert.Single(stored.Resource.Instances);
        Assert.Equal(2, instance.Capacity);
        Assert.InRange(instance.ExpiresAt!.Value - _time.GetUtcNow(), TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, (await PutAsync("pod-1", """{"url":"ws://bot:8765/ws","ttlSeconds":30}""")).Status);
    }

    [Fact]
    public async Task A_registration_names_its_own_fields_in_error()
    {
        var answer = await PutAsync("pod-1", """{"url":"http://bot/ws","capacity":0,"ttlSeconds":1}""");

        Assert.Equal(["capacity", "ttlSeconds", "url"], answer.ValidationErrors());
        Assert.Equal(["id", "url"], (await PutAsync("Pod_1", "{}")).ValidationErrors());
    }

    [Fact]
    public async Task Another_instance_whose_heartbeat_lapsed_is_dropped_at_the_next_registration()
    {
        await PutAsync("old-pod", """{"url":"ws://old:8765/ws","ttlSeconds":5}""");
        _time.Advance(TimeSpan.FromSeconds(10));

        await PutAsync("new-pod", """{"url":"ws://new:8765/ws","ttlSeconds":5}""");

        Assert.True(_registry.Current.TryGet(Support, out var stored));
        Assert.Equal(["new-pod"], stored.Resource.Instances.Select(i => i.Id));
    }

    [Fact]
    public async Task An_unknown_agent_or_instance_is_404()
    {
        var context = EdgeRequests.Create("PUT", "/admin/v1/orgs/acme/agents/sales/instances/pod-1", """{"url":"ws://bot:8765/ws"}""");
        var unknownAgent = await context.AnswerAsync(await Service.PutAsync(new InstanceRequest("acme", "sales", "pod-1", context)));
        var delete = EdgeRequests.Create("DELETE", Path + "pod-9");
        var unknownInstance = await delete.AnswerAsync(await Service.DeleteAsync(new InstanceRequest("acme", "support", "pod-9", delete)));

        unknownAgent.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("No agent 'sales' in organization 'acme'.", unknownAgent.Json.GetProperty("detail").GetString());
        unknownInstance.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("No instance 'pod-9' of agent 'support'.", unknownInstance.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_deregistration_is_204_and_leaves_the_others()
    {
        await PutAsync("pod-1", """{"url":"ws://one:8765/ws"}""");
        await PutAsync("pod-2", """{"url":"ws://two:8765/ws"}""");
        var context = EdgeRequests.Create("DELETE", Path + "pod-1");

        var answer = await context.AnswerAsync(await Service.DeleteAsync(new InstanceRequest("acme", "support", "pod-1", context)));

        answer.AssertStatus(HttpStatusCode.NoContent);
        Assert.True(_registry.Current.TryGet(Support, out var stored));
        Assert.Equal(["pod-2"], stored.Resource.Instances.Select(i => i.Id));
    }

    private async Task<AdminResponse> PutAsync(string id, string json)
    {
        var context = EdgeRequests.Create("PUT", Path + id, json);
        return await context.AnswerAsync(await Service.PutAsync(new InstanceRequest("acme", "support", id, context)));
    }
}
