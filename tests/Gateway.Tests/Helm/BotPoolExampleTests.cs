using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Gateway.Tests.Helm;

/// <summary>
/// helm/examples/bot-pool fits together: the agent names the bots' Service, the autoscalers scale its Deployment to
/// ceil((calls + N) / calls per pod) with the gateway's gauges, the bots reach the gateway's admin port, and the chart
/// rendered with the example's values grants discovery in the bots' namespace and opens the admin port to it.
/// </summary>
public sealed partial class BotPoolExampleTests
{
    private const string Org = "acme";
    private const string AgentName = "support";

    [Fact]
    public void The_agent_names_the_bots_service_its_namespace_and_its_port()
    {
        var source = BotPoolExample.Agent()["kubernetes"]!;
        var service = BotPoolExample.Single("bot.yaml", "Service");
        var deployment = BotPoolExample.Single("bot.yaml", "Deployment");

        Assert.Equal((string?)service["metadata"]!["name"], (string?)source["service"]);
        Assert.Equal((string?)service["metadata"]!["namespace"], (string?)source["namespace"]);
        Assert.Equal((string?)deployment["metadata"]!["namespace"], (string?)source["namespace"]);

        // EndpointSlices carry the pods' own port: the container port the Service targets.
        var servicePort = Assert.Single(service["spec"]!["ports"]!.AsArray())!;
        var container = Assert.Single(deployment["spec"]!["template"]!["spec"]!["containers"]!.AsArray())!;
        var containerPort = container["ports"]!.AsArray().Single(p => (string?)p!["name"] == (string?)servicePort["targetPort"])!;
        Assert.Equal((int)containerPort["containerPort"]!, (int)source["port"]!);
        Assert.Equal("/ws", (string?)source["path"]);

        // The Service selects the Deployment's pods.
        var podLabels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        Assert.All(service["spec"]!["selector"]!.AsObject(), label => Assert.Equal((string?)label.Value, (string?)podLabels[label.Key]));
    }

    [Fact]
    public void Keda_keeps_free_slots_with_the_gateways_gauges_aggregated_over_replicas()
    {
        var scaled = BotPoolExample.Single("scaledobject.yaml", "ScaledObject");
        var deployment = BotPoolExample.Single("bot.yaml", "Deployment");
        Assert.Equal((string?)deployment["metadata"]!["name"], (string?)scaled["spec"]!["scaleTargetRef"]!["name"]);
        Assert.Equal((string?)deployment["metadata"]!["namespace"], (string?)scaled["metadata"]!["namespace"]);

        var trigger = Assert.Single(scaled["spec"]!["triggers"]!.AsArray())!;
        Assert.Equal("prometheus", (string?)trigger["type"]);
        Assert.Equal("AverageValue", (string?)trigger["metricType"]);
        Assert.Equal("1", (string?)trigger["metadata"]!["threshold"]);
        var query = (string)trigger["metadata"]!["query"]!;
        var selector = $"{{org=\"{Org}\", agent=\"{AgentName}\"}}";
        AssertDesiredPodsQuery(query, selector);

        // With no call at all the pool still has N free slots: minReplicaCount = ceil(N / calls per pod).
        Assert.Equal(MinimumPods(query), (int)scaled["spec"]!["minReplicaCount"]!);
        Assert.True((int)scaled["spec"]!["minReplicaCount"]! > 0, "a pool scaled to zero has no pod for the first call");
    }

    [Fact]
    public void The_hpa_alternative_reads_the_same_rule_through_prometheus_adapter()
    {
        var hpa = BotPoolExample.Single("hpa.yaml", "HorizontalPodAutoscaler");
        var deployment = BotPoolExample.Single("bot.yaml", "Deployment");
        Assert.Equal("Deployment", (string?)hpa["spec"]!["scaleTargetRef"]!["kind"]);
        Assert.Equal((string?)deployment["metadata"]!["name"], (string?)hpa["spec"]!["scaleTargetRef"]!["name"]);

        var external = Assert.Single(hpa["spec"]!["metrics"]!.AsArray())!["external"]!;
        Assert.Equal(Org, (string?)external["metric"]!["selector"]!["matchLabels"]!["org"]);
        Assert.Equal(AgentName, (string?)external["metric"]!["selector"]!["matchLabels"]!["agent"]);
        Assert.Equal("AverageValue", (string?)external["target"]!["type"]);
        Assert.Equal("1", (string?)external["target"]!["averageValue"]);

        var rule = Assert.Single(BotPoolExample.Yaml("prometheus-adapter-values.yaml")["rules"]!["external"]!.AsArray())!;
        Assert.Equal((string?)external["metric"]!["name"], (string?)rule["name"]!["as"]);
        Assert.False((bool)rule["resources"]!["namespaced"]!, "the gateway's series are in its own namespace, not the HPA's");
        var query = (string)rule["metricsQuery"]!;
        AssertDesiredPodsQuery(query, "{<<.LabelMatchers>>}");
        Assert.Equal(MinimumPods(query), (int)hpa["spec"]!["minReplicas"]!);

        var keda = (string)BotPoolExample.Single("scaledobject.yaml", "ScaledObject")["spec"]!["triggers"]![0]!["metadata"]!["query"]!;
        Assert.Equal(Normalize(keda.Replace($"{{org=\"{Org}\", agent=\"{AgentName}\"}}", "{<<.LabelMatchers>>}", StringComparison.Ordinal)), Normalize(query));
    }

    [Fact]
    public void The_bots_reach_the_gateways_admin_port_and_only_the_gateway_reaches_the_bots()
    {
        var gateway = HelmChart.Render(null, "--values", BotPoolExample.PathOf(BotPoolExample.GatewayValues));
        var service = gateway.Single("Service");
        var adminPort = service["spec"]!["ports"]!.AsArray().Single(p => (string?)p!["name"] == "admin")!;
        var containerAdminPort = (int)gateway.Container["ports"]!.AsArray().Single(p => (string?)p!["name"] == "admin")!["containerPort"]!;

        // The bots' Telnyx base URL is the gateway's admin listener, by its Service's cluster name.
        var container = BotPoolExample.Single("bot.yaml", "Deployment")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var baseUrl = new Uri((string)container["env"]!.AsArray().Single(e => (string?)e!["name"] == "TELNYX_BASE_URL")!["value"]!);
        Assert.Equal($"{service["metadata"]!["name"]}.{HelmChart.Namespace}.svc.cluster.local", baseUrl.Host);
        Assert.Equal((int)adminPort["port"]!, baseUrl.Port);
        Assert.Equal("/v2", baseUrl.AbsolutePath);

        // The bots' policy: in from the gateway's pods, out to their admin port (the pod's port, after the Service).
        var policy = BotPoolExample.Single("networkpolicy.yaml", "NetworkPolicy");
        var gatewayPods = gateway.Deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        var from = Assert.Single(Assert.Single(policy["spec"]!["ingress"]!.AsArray())!["from"]!.AsArray())!;
        AssertSelectsGateway(from, gatewayPods);
        var toGateway = policy["spec"]!["egress"]!.AsArray().Single(rule => rule!["to"]![0]!["podSelector"]?["matchLabels"]?["app.kubernetes.io/name"] is not null)!;
        AssertSelectsGateway(toGateway["to"]![0]!, gatewayPods);
        Assert.Equal(containerAdminPort, (int)Assert.Single(toGateway["ports"]!.AsArray())!["port"]!);

        // The gateway's policy lets the bots' namespace reach the admin port, and discovery may read its EndpointSlices.
        var bots = (string?)BotPoolExample.Agent()["kubernetes"]!["namespace"];
        var adminRule = gateway.Single("NetworkPolicy")["spec"]!["ingress"]!.AsArray().Single(r => (string?)r!["ports"]![0]!["port"] == "admin")!;
        var names = adminRule["from"]![0]!["namespaceSelector"]!["matchExpressions"]![0]!["values"]!.AsArray().Select(v => (string?)v);
        Assert.Contains(bots, names);
        Assert.Contains(gateway.OfKind("Role"), role => (string?)role["metadata"]!["namespace"] == bots);
        Assert.Equal("admin", (string?)gateway.Single("ServiceMonitor")["spec"]!["endpoints"]![0]!["port"]);
    }

    private static void AssertDesiredPodsQuery(string query, string selector)
    {
        var flat = Normalize(query);
        Assert.StartsWith("ceil(", flat, StringComparison.Ordinal);
        Assert.Contains($"(max by (org, agent) (gateway_agent_calls{selector}) + ", flat, StringComparison.Ordinal);
        Assert.Contains($"max by (org, agent) (gateway_agent_capacity{selector})", flat, StringComparison.Ordinal);
        Assert.Contains($"max by (org, agent) (gateway_agent_instances{selector} > 0)", flat, StringComparison.Ordinal);
        Assert.DoesNotContain("sum", flat, StringComparison.Ordinal);
    }

    /// <summary>ceil(N / calls per pod) for the query's N and the agent's kubernetes.capacity.</summary>
    private static int MinimumPods(string query)
    {
        var free = int.Parse(FreeSlots().Match(Normalize(query)).Groups[1].Value, CultureInfo.InvariantCulture);
        var perPod = (int)BotPoolExample.Agent()["kubernetes"]!["capacity"]!;
        return (free + perPod - 1) / perPod;
    }

    private static void AssertSelectsGateway(JsonNode peer, JsonObject gatewayPods)
    {
        Assert.Equal(HelmChart.Namespace, (string?)peer["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]);
        Assert.All(peer["podSelector"]!["matchLabels"]!.AsObject(), label => Assert.Equal((string?)label.Value, (string?)gatewayPods[label.Key]));
    }

    private static string Normalize(string query) => Whitespace().Replace(query, " ").Replace("( ", "(", StringComparison.Ordinal).Replace(" )", ")", StringComparison.Ordinal).Trim();

    [GeneratedRegex(@"\) \+ (\d+)\)")]
    private static partial Regex FreeSlots();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
