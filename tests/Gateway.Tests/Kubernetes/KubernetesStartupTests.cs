using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Kubernetes;

/// <summary>What start-up makes of Kubernetes settings and of seed agents with a <c>kubernetes</c> source.</summary>
public sealed class KubernetesStartupTests : IDisposable
{
    private const string SeedWithSource = """{"agents":{"acme/support":{"kubernetes":{"namespace":"bots","service":"support-bot","port":"ws"}}}}""";

    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-k8s-seed-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_seed_agent_with_a_source_stops_a_gateway_without_Kubernetes_access_naming_the_field()
    {
        var seed = Write("registry.json", SeedWithSource);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Registry:SeedFile"] = seed }));

        Assert.StartsWith($"Registry seed '{seed}': agent 'acme/support' is invalid: kubernetes this gateway has no Kubernetes access", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_seed_agent_with_a_bad_source_field_stops_start_up_naming_it()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        var seed = Write("registry.json", """{"agents":{"acme/support":{"kubernetes":{"namespace":"bots","service":"support-bot","port":70000}}}}""");
        var settings = TwoReplicasWithPodsTest.KubernetesSettings(api);
        settings["Registry:SeedFile"] = seed;

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayHost.StartAsync(settings: settings));

        Assert.Equal($"Registry seed '{seed}': agent 'acme/support' is invalid: kubernetes.port must be a port number from 1 to 65535, or a port name (a DNS-1035 label, as the Service's ports[].name).", e.Message);
    }

    [Fact]
    public async Task A_seed_agent_with_a_source_routes_to_its_pods_on_an_embedded_gateway_with_access()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        await using var bot = await BotServer.StartAsync();
        api.Apply(FakeEndpointSlice.ForPod("bots", "support-bot", "support-bot-0", bot.WsUri.Port));
        var settings = TwoReplicasWithPodsTest.KubernetesSettings(api);
        settings["Registry:SeedFile"] = Write("registry.json", SeedWithSource);

        // Start-up waits for the first list, so the first call already finds the pod.
        await using var gateway = await GatewayHost.StartAsync(settings: settings);
        await using var call = await TestCalls.ConnectAsync(gateway, bot);

        Assert.Equal("support-bot-0", (await gateway.Sessions.GetAsync(call.Bot.Headers["X-Daily-Session-Id"]))!.InstanceId);
        Assert.Equal("GET /apis/discovery.k8s.io/v1/namespaces/bots/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dsupport-bot&watch=false", api.Requests[0]);
        Assert.Contains(gateway.Logs.Lines, line => line.Contains($"Kubernetes discovery through kubeconfig {api.KubeConfigPath} (Kubernetes:KubeConfig)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_kubeconfig_that_does_not_exist_stops_start_up_naming_it()
    {
        var missing = Path.Combine(_directory, "absent-kubeconfig");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Kubernetes:KubeConfig"] = missing }));

        Assert.Equal($"Kubernetes:KubeConfig names '{missing}', which does not exist.", e.Message);
    }

    [Fact]
    public async Task A_kubeconfig_that_does_not_parse_stops_start_up_naming_it()
    {
        var broken = Write("kubeconfig", "clusters: [ {name: ");

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Kubernetes:KubeConfig"] = broken }));

        Assert.StartsWith($"Cannot read kubeconfig {broken} (Kubernetes:KubeConfig): ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KUBECONFIG_gives_access_and_a_stale_one_gives_none()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        const string Agent = """{"kubernetes":{"namespace":"bots","service":"support-bot","port":8080}}""";

        await using (var viaVariable = await GatewayHost.StartAsync(settings: AdminTokens.Settings(new Dictionary<string, string?> { ["KUBECONFIG"] = api.KubeConfigPath })))
        {
            var put = await new AdminClient(viaVariable, AdminTokens.PlatformAdmin()).PutAsync("/admin/v1/orgs/acme/agents/support", Agent);
            put.AssertStatus(System.Net.HttpStatusCode.Created);
        }

        await using var stale = await GatewayHost.StartAsync(settings: AdminTokens.Settings(new Dictionary<string, string?> { ["KUBECONFIG"] = Path.Combine(_directory, "gone") }));
        var refused = await new AdminClient(stale, AdminTokens.PlatformAdmin()).PutAsync("/admin/v1/orgs/acme/agents/support", Agent);
        Assert.Equal(["kubernetes"], refused.ValidationErrors());
    }

    [Fact]
    public async Task Kubernetes_Enabled_false_turns_access_off_even_with_a_kubeconfig()
    {
        await using var api = await FakeKubernetesApi.StartAsync();
        var settings = AdminTokens.Settings(TwoReplicasWithPodsTest.KubernetesSettings(api));
        settings["Kubernetes:Enabled"] = "false";
        await using var gateway = await GatewayHost.StartAsync(settings: settings);

        var refused = await new AdminClient(gateway, AdminTokens.PlatformAdmin()).PutAsync("/admin/v1/orgs/acme/agents/support", """{"kubernetes":{"namespace":"bots","service":"support-bot","port":8080}}""");

        Assert.Equal(["kubernetes"], refused.ValidationErrors());
        Assert.Empty(api.Requests);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
