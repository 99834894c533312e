using System.Net;
using Gateway.Core;
using Gateway.Redis;
using Gateway.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Admin;

/// <summary>
/// Optimistic concurrency on agents: the ETag is a hash of the agent's settings, If-Match writes only over them, If-None-Match: *
/// only creates, and of two writers holding the same ETag exactly one wins, on one replica or across two.
/// </summary>
public sealed class AgentConcurrencyTests
{
    private const string Support = "/admin/v1/orgs/acme/agents/support";
    private static readonly AgentKey SupportKey = new("acme", "support");

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task GET_returns_a_strong_ETag_of_the_agents_settings(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var put = await admin.PutAsync(Support, """{"maxConcurrentCalls":5}""");

        var get = await admin.GetAsync(Support);

        get.AssertStatus(HttpStatusCode.OK);
        Assert.Matches("^\"[0-9a-f]{24}\"$", get.ETag);
        Assert.Equal(put.ETag, get.ETag);
        Assert.NotEqual(get.ETag, (await admin.PutAsync(Support, """{"maxConcurrentCalls":6}""")).ETag);
        Assert.Equal(5, get.Json.GetProperty("maxConcurrentCalls").GetInt32());
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_PUT_with_a_stale_If_Match_is_412_and_writes_nothing(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var first = (await admin.PutAsync(Support, """{"maxConcurrentCalls":5}""")).ETag!;
        var second = (await admin.PutAsync(Support, """{"maxConcurrentCalls":6}""")).ETag!;

        var stale = await admin.PutAsync(Support, """{"maxConcurrentCalls":7}""", ("If-Match", first));

        stale.AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");
        var get = await admin.GetAsync(Support);
        Assert.Equal(second, get.ETag);
        Assert.Equal(6, get.Json.GetProperty("maxConcurrentCalls").GetInt32());
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_PUT_with_the_current_If_Match_is_200_with_a_new_ETag(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var current = (await admin.PutAsync(Support, """{"maxConcurrentCalls":5}""")).ETag!;

        var put = await admin.PutAsync(Support, """{"maxConcurrentCalls":8}""", ("If-Match", current));

        put.AssertStatus(HttpStatusCode.OK);
        Assert.NotEqual(current, put.ETag);
        Assert.True(gateway.Registry.Current.TryGet(SupportKey, out var stored));
        Assert.Equal((await admin.GetAsync(Support)).ETag, put.ETag);
        Assert.Equal(8, stored.Resource.MaxConcurrentCalls);
        Assert.Null(put.Location);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task If_None_Match_star_creates_but_never_overwrites(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));

        var created = await admin.PutAsync(Support, """{"maxConcurrentCalls":5}""", ("If-None-Match", "*"));
        var again = await admin.PutAsync(Support, """{"maxConcurrentCalls":9}""", ("If-None-Match", "*"));

        created.AssertStatus(HttpStatusCode.Created);
        Assert.Equal("/admin/v1/orgs/acme/agents/support", created.Location);
        Assert.NotNull(created.ETag);
        again.AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");
        var get = await admin.GetAsync(Support);
        Assert.Equal(created.ETag, get.ETag);
        Assert.Equal(5, get.Json.GetProperty("maxConcurrentCalls").GetInt32());
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_DELETE_with_a_stale_If_Match_is_412_and_the_current_one_deletes(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var first = (await admin.PutAsync(Support, "{}")).ETag!;
        var second = (await admin.PutAsync(Support, """{"maxConcurrentCalls":6}""")).ETag!;

        var stale = await admin.DeleteAsync(Support, ("If-Match", first));
        stale.AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");
        (await admin.GetAsync(Support)).AssertStatus(HttpStatusCode.OK);

        (await admin.DeleteAsync(Support, ("If-Match", second))).AssertStatus(HttpStatusCode.NoContent);
        (await admin.GetAsync(Support)).AssertProblem(HttpStatusCode.NotFound, "not_found");
        (await admin.DeleteAsync(Support)).AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Instance_heartbeats_leave_the_ETag_alone_and_an_edit_keeps_their_expiry(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        const string agent = """{"maxConcurrentCalls":5,"instances":[{"id":"pod-1","url":"ws://10.0.0.7:8765/ws"}]}""";
        (await admin.PutAsync(Support, agent)).AssertStatus(HttpStatusCode.Created);
        (await admin.PutAsync(Support + "/instances/pod-1", """{"url":"ws://10.0.0.7:8765/ws","ttlSeconds":60}""")).AssertStatus(HttpStatusCode.OK);
        var read = await admin.GetAsync(Support);

        // Another heartbeat between the operator's read and write.
        (await admin.PutAsync(Support + "/instances/pod-1", """{"url":"ws://10.0.0.7:8765/ws","ttlSeconds":60}""")).AssertStatus(HttpStatusCode.OK);
        Assert.True(gateway.Registry.Current.TryGet(SupportKey, out var beforeEdit));
        var renewed = beforeEdit.Resource.Instances[0].ExpiresAt;
        var edit = await admin.PutAsync(Support, agent.Replace("\"maxConcurrentCalls\":5", "\"maxConcurrentCalls\":9", StringComparison.Ordinal), ("If-Match", read.ETag!));

        edit.AssertStatus(HttpStatusCode.OK);
        Assert.True(gateway.Registry.Current.TryGet(SupportKey, out var stored));
        Assert.Equal(9, stored.Resource.MaxConcurrentCalls);
        Assert.NotNull(renewed);
        Assert.Equal(renewed, stored.Resource.Instances[0].ExpiresAt);
    }

    [Theory]
    [InlineData("5")]
    [InlineData("W/\"5\"")]
    [InlineData("\"five\"")]
    public async Task An_If_Match_that_is_not_a_revision_is_412(string ifMatch)
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        var etag = (await admin.PutAsync(Support, """{"maxConcurrentCalls":5}""")).ETag;

        var put = await admin.PutAsync(Support, """{"maxConcurrentCalls":6}""", ("If-Match", ifMatch));

        put.AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal(etag, (await admin.GetAsync(Support)).ETag);
    }

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task Of_two_writers_with_the_same_If_Match_exactly_one_wins(GatewayMode mode)
    {
        await using var gateway = await GatewayModes.StartAsync(mode, AdminTokens.Settings());
        var admin = new AdminClient(gateway, AdminTokens.ForOrg("acme"));
        await RaceAsync(admin, admin, gateway, gateway);
    }

    [Fact]
    public async Task Of_two_writers_on_two_replicas_with_the_same_If_Match_exactly_one_wins()
    {
        var redis = await TestRedis.ConnectionStringAsync();
        var prefix = TestRedis.UniquePrefix();
        await using var a = await GatewayHost.StartAsync(redis, prefix, AdminTokens.Settings());
        await using var b = await GatewayHost.StartAsync(redis, prefix, AdminTokens.Settings());
        Assert.Equal(prefix, b.Services.GetRequiredService<IOptions<RedisOptions>>().Value.KeyPrefix);

        await RaceAsync(new AdminClient(a, AdminTokens.ForOrg("acme")), new AdminClient(b, AdminTokens.ForOrg("acme")), a, b);
    }

    /// <summary>
    /// Rounds of two PUTs released together with the ETag both read; each round exactly one is 200 and the other 412,
    /// and the stored agent is the winner's.
    /// </summary>
    private static async Task RaceAsync(AdminClient first, AdminClient second, GatewayHost firstHost, GatewayHost secondHost)
    {
        var etag = (await first.PutAsync(Support, """{"maxConcurrentCalls":1}""")).AssertStatus(HttpStatusCode.Created).ETag!;
        for (var round = 0; round < 10; round++)
        {
            // Both replicas know the revision both writers hold, as two operators who read it would.
            await Wait.UntilAsync(() => secondHost.Registry.Current.TryGet(SupportKey, out var seen) && Gateway.Admin.EntityTags.For(seen.Resource) == etag, $"the second replica sees {etag}");
            var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var one = Task.Run(async () => { await go.Task; return await first.PutAsync(Support, $$"""{"maxConcurrentCalls":{{100 + round}}}""", ("If-Match", etag)); });
            var two = Task.Run(async () => { await go.Task; return await second.PutAsync(Support, $$"""{"maxConcurrentCalls":{{200 + round}}}""", ("If-Match", etag)); });
            go.SetResult();
            var answers = await Task.WhenAll(one, two);

            var winners = answers.Where(a => a.Status == HttpStatusCode.OK).ToList();
            var losers = answers.Where(a => a.Status != HttpStatusCode.OK).ToList();
            Assert.Single(winners);
            Assert.Single(losers).AssertProblem(HttpStatusCode.PreconditionFailed, "precondition_failed");
            var winner = winners[0];
            var expected = winner.Json.GetProperty("maxConcurrentCalls").GetInt32();
            Assert.Equal(ReferenceEquals(winner, answers[0]) ? 100 + round : 200 + round, expected);
            foreach (var host in new[] { firstHost, secondHost })
            {
                await Wait.UntilAsync(
                    () => host.Registry.Current.TryGet(SupportKey, out var stored) && Gateway.Admin.EntityTags.For(stored.Resource) == winner.ETag && stored.Resource.MaxConcurrentCalls == expected,
                    $"round {round}: every replica holds the winner's write");
            }

            etag = winner.ETag!;
        }
    }
}
