using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gateway.Tests.Helm;

/// <summary>
/// What <c>helm template</c> renders from helm/gateway with each CI values file (and the chart defaults), parsed and
/// checked field by field.
/// </summary>
public sealed class ChartRenderingTests
{
    /// <summary>The gateway's own shutdown work after its drain window (host ShutdownTimeout = drain window + 15 s).</summary>
    private const int GatewayShutdownSlackSeconds = 15;

    private static readonly string[] SelectorLabelKeys = ["app.kubernetes.io/name", "app.kubernetes.io/instance"];

    public static TheoryData<string?> ValuesFiles()
    {
        var data = new TheoryData<string?> { (string?)null };
        foreach (var file in HelmChart.CiValuesFiles)
        {
            data.Add(file);
        }

        return data;
    }

    public static TheoryData<string> CiValuesFiles() => [.. HelmChart.CiValuesFiles];

    [Fact]
    public void Every_ci_values_file_exists_and_the_chart_has_no_others()
    {
        var onDisk = Directory.GetFiles(Path.Combine(HelmChart.ChartDirectory, "ci"), "*.yaml").Select(f => Path.GetFileName(f)).Order();
        Assert.Equal(HelmChart.CiValuesFiles.Order(), onDisk);
    }

    [Theory]
    [MemberData(nameof(CiValuesFiles))]
    public void Helm_lint_passes_with_each_ci_values_file(string file)
    {
        var result = HelmChart.Run(["lint", HelmChart.ChartDirectory, "--strict", "--values", HelmChart.CiValuesPath(file)]);
        Assert.True(result.ExitCode == 0, $"helm lint --strict -f {file}:\n{result.StandardOutput}\n{result.StandardError}");
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Pods_run_as_the_chiseled_app_user_with_a_read_only_root_and_no_capabilities(string? file)
    {
        var manifests = HelmChart.Render(file);
        var pod = manifests.PodSpec;
        var podSecurity = pod["securityContext"]!;
        Assert.True((bool)podSecurity["runAsNonRoot"]!);
        Assert.Equal(1654, (int)podSecurity["runAsUser"]!);
        Assert.Equal(1654, (int)podSecurity["runAsGroup"]!);
        Assert.Equal("RuntimeDefault", (string?)podSecurity["seccompProfile"]!["type"]);

        // An API token only for EndpointSlice discovery.
        Assert.Equal(manifests.OfKind("RoleBinding").Any() || manifests.OfKind("ClusterRoleBinding").Any(), (bool)pod["automountServiceAccountToken"]!);

        var container = manifests.Container;
        var security = container["securityContext"]!;
        Assert.False((bool)security["allowPrivilegeEscalation"]!);
        Assert.True((bool)security["readOnlyRootFilesystem"]!);
        Assert.Equal(["ALL"], security["capabilities"]!["drop"]!.AsArray().Select(c => (string?)c));

        // The read-only root leaves /tmp as an emptyDir.
        var tmpMount = container["volumeMounts"]!.AsArray().Single(m => (string?)m!["mountPath"] == "/tmp")!;
        var tmpVolume = pod["volumes"]!.AsArray().Single(v => (string?)v!["name"] == (string?)tmpMount["name"])!;
        Assert.NotNull(tmpVolume["emptyDir"]);
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Probes_hit_healthz_and_readyz_on_the_http_port_8080(string? file)
    {
        var container = HelmChart.Render(file).Container;
        var port = container["ports"]!.AsArray().Single(p => (string?)p!["name"] == "http")!;
        Assert.Equal(8080, (int)port["containerPort"]!);

        var liveness = container["livenessProbe"]!["httpGet"]!;
        Assert.Equal("/healthz", (string?)liveness["path"]);
        Assert.Equal("http", (string?)liveness["port"]);
        var readiness = container["readinessProbe"]!["httpGet"]!;
        Assert.Equal("/readyz", (string?)readiness["path"]);
        Assert.Equal("http", (string?)readiness["port"]);
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Grace_period_outlasts_the_prestop_sleep_the_drain_window_and_the_gateways_shutdown(string? file)
    {
        var manifests = HelmChart.Render(file);
        var drain = ParseTimeSpan((string?)manifests.Env("Gateway__DrainWindow")["value"]);
        var preStop = (int)manifests.Container["lifecycle"]!["preStop"]!["sleep"]!["seconds"]!;
        var grace = (int)manifests.PodSpec["terminationGracePeriodSeconds"]!;

        Assert.True(preStop > 0, "a preStop sleep is rendered by default");
        Assert.True(grace > drain.TotalSeconds + preStop + GatewayShutdownSlackSeconds,
            $"terminationGracePeriodSeconds {grace} must exceed preStop {preStop} + drain window {drain.TotalSeconds} + {GatewayShutdownSlackSeconds}");
    }

    [Theory]
    [InlineData(240, "00:04:00")]
    [InlineData(3600, "01:00:00")]
    [InlineData(90, "00:01:30")]
    [InlineData(0, "00:00:00")]
    [InlineData(7200, "02:00:00")]
    public void Drain_window_seconds_render_as_a_dotnet_time_span_and_set_the_grace_period(int seconds, string expected)
    {
        var manifests = HelmChart.Render(null, "--set", $"gateway.drainWindowSeconds={seconds}");
        var value = (string?)manifests.Env("Gateway__DrainWindow")["value"];
        Assert.Equal(expected, value);
        Assert.Equal(TimeSpan.FromSeconds(seconds), ParseTimeSpan(value));
        Assert.Equal(seconds + 10 + 30, (int)manifests.PodSpec["terminationGracePeriodSeconds"]!);
    }

    [Fact]
    public void Production_drain_window_of_an_hour_is_01_00_00_not_3600_days()
    {
        var manifests = HelmChart.Render("production-values.yaml");
        Assert.Equal("01:00:00", (string?)manifests.Env("Gateway__DrainWindow")["value"]);
        Assert.Equal(3600 + 15 + 30, (int)manifests.PodSpec["terminationGracePeriodSeconds"]!);
    }

    [Fact]
    public void A_zero_prestop_sleep_renders_no_hook_and_the_grace_period_still_covers_the_drain()
    {
        var manifests = HelmChart.Render(null, "--set", "gateway.preStopSleepSeconds=0");
        Assert.Null(manifests.Container["lifecycle"]);
        Assert.Equal(240 + 30, (int)manifests.PodSpec["terminationGracePeriodSeconds"]!);
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Every_resource_carries_the_standard_labels_and_selectors_are_name_and_instance(string? file)
    {
        var manifests = HelmChart.Render(file);
        var chart = ReadChartYaml();
        foreach (var resource in manifests.Resources)
        {
            var what = $"{resource["kind"]} {resource["metadata"]?["name"]}";
            var labels = resource["metadata"]?["labels"]?.AsObject();
            Assert.True(labels is not null, $"{what} has no labels");
            Assert.Equal("gateway", (string?)labels["app.kubernetes.io/name"]);
            Assert.Equal(HelmChart.ReleaseName, (string?)labels["app.kubernetes.io/instance"]);
            Assert.Equal($"gateway-{chart["version"]}", (string?)labels["helm.sh/chart"]);
            Assert.Equal((string?)chart["appVersion"], (string?)labels["app.kubernetes.io/version"]);
            Assert.Equal("Helm", (string?)labels["app.kubernetes.io/managed-by"]);
        }

        var deployment = manifests.Deployment;
        AssertSelector(deployment["spec"]!["selector"]!["matchLabels"], "Deployment selector");
        var podLabels = deployment["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
        foreach (var key in SelectorLabelKeys)
        {
            Assert.True(podLabels.ContainsKey(key), $"pod template lacks {key}");
        }

        Assert.Equal("Helm", (string?)podLabels["app.kubernetes.io/managed-by"]);
        AssertSelector(manifests.Single("Service")["spec"]!["selector"], "Service selector");
        foreach (var pdb in manifests.OfKind("PodDisruptionBudget"))
        {
            AssertSelector(pdb["spec"]!["selector"]!["matchLabels"], "PDB selector");
        }

        foreach (var monitor in manifests.OfKind("ServiceMonitor"))
        {
            AssertSelector(monitor["spec"]!["selector"]!["matchLabels"], "ServiceMonitor selector");
        }

        foreach (var policy in manifests.OfKind("NetworkPolicy"))
        {
            AssertSelector(policy["spec"]!["podSelector"]!["matchLabels"], "NetworkPolicy podSelector");
        }
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void No_document_is_empty_and_no_value_is_missing(string? file)
    {
        var manifests = HelmChart.Render(file);
        Assert.NotEmpty(manifests.Documents);
        for (var i = 0; i < manifests.Documents.Count; i++)
        {
            if (manifests.Documents[i] is not JsonObject resource)
            {
                Assert.Fail($"document {i} is empty or not a mapping");
                return;
            }

            Assert.False(string.IsNullOrEmpty((string?)resource["apiVersion"]), $"document {i} has no apiVersion");
            Assert.False(string.IsNullOrEmpty((string?)resource["kind"]), $"document {i} has no kind");
            Assert.False(string.IsNullOrEmpty((string?)resource["metadata"]?["name"]), $"document {i} has no name");
            // RBAC objects carry their content in rules (roles) or roleRef (bindings), not in a spec.
            var body = resource["spec"] ?? resource["data"] ?? resource["rules"]?[0] ?? resource["roleRef"];
            if ((string?)resource["kind"] is not "ServiceAccount")
            {
                Assert.True(body is JsonObject { Count: > 0 }, $"{resource["kind"]} has an empty spec/data");
            }
        }

        // Go templates print "<no value>" for a missing value, and "%!" for a printf misuse.
        Assert.DoesNotContain("<no value>", manifests.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("%!", manifests.Text, StringComparison.Ordinal);
        AssertNoNullLeaves(manifests.Resources);
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
    public void Rollouts_never_reduce_capacity(string? file)
    {
        var strategy = HelmChart.Render(file).Deployment["spec"]!["strategy"]!;
        Assert.Equal("RollingUpdate", (string?)strategy["type"]);
        Assert.Equal(0, (int)strategy["rollingUpdate"]!["maxUnavailable"]!);
        Assert.Equal(1, (int)strategy["rollingUpdate"]!["maxSurge"]!);
    }

    [Theory]
    [InlineData(null, new string[0], false)]
    [InlineData("minimal-values.yaml", new string[0], false)]
    [InlineData("production-values.yaml", new string[0], true)]
    [InlineData("existing-secrets-values.yaml", new string[0], true)]
    [InlineData(null, new[] { "--set", "replicaCount=2", "--set", "redis.connectionString=redis:6379" }, true)]
    [InlineData(null, new[] { "--set", "autoscaling.enabled=true", "--set", "redis.connectionString=redis:6379" }, true)]
    [InlineData(null, new[] { "--set", "replicaCount=1", "--set", "redis.connectionString=redis:6379" }, false)]
    [InlineData(null, new[] { "--set", "replicaCount=3", "--set", "redis.connectionString=redis:6379", "--set", "podDisruptionBudget.enabled=false" }, false)]
    public void Pdb_is_rendered_only_when_more_than_one_replica_runs(string? file, string[] arguments, bool expected)
    {
        var pdbs = HelmChart.Render(file, arguments).OfKind("PodDisruptionBudget").ToList();
        Assert.Equal(expected ? 1 : 0, pdbs.Count);
        if (expected)
        {
            Assert.Equal("policy/v1", (string?)pdbs[0]["apiVersion"]);
            Assert.Equal(1, (int)pdbs[0]["spec"]!["maxUnavailable"]!);
        }
    }

    [Fact]
    public void Existing_secrets_are_referenced_and_the_chart_creates_no_secret()
    {
        var manifests = HelmChart.Render("existing-secrets-values.yaml");
        Assert.Empty(manifests.OfKind("Secret"));
        Assert.Empty(manifests.OfKind("ServiceAccount"));
        Assert.Equal("voice-gateway", (string?)manifests.PodSpec["serviceAccountName"]);
        AssertSecretRef(manifests.Env("ConnectionStrings__Redis"), "voice-redis", "connection-string", optional: false);
        AssertSecretRef(manifests.Env("Auth__SigningKey"), "voice-admin-auth", "signing-key", optional: false);
        AssertSecretRef(manifests.Env("Telnyx__ApiKey"), "voice-telnyx", "api-key", optional: true);
        AssertSecretRef(manifests.Env("Telnyx__PublicKey"), "voice-telnyx", "public-key", optional: true);
        var annotations = manifests.Deployment["spec"]!["template"]!["metadata"]!["annotations"]!.AsObject();
        Assert.False(annotations.ContainsKey("checksum/secret"));
        Assert.True(annotations.ContainsKey("checksum/config"));
    }

    [Fact]
    public void Inline_secrets_go_into_the_charts_secret_and_never_into_the_pod_spec()
    {
        var manifests = HelmChart.Render("ingress-values.yaml");
        var secret = manifests.Single("Secret");
        var name = (string?)secret["metadata"]!["name"];
        var data = secret["data"]!.AsObject();
        Assert.Equal("ci-only-signing-key-0123456789abcdef", Base64((string?)data["auth-signing-key"]));
        Assert.Equal("KEY0123456789ABCDEF_ci_only", Base64((string?)data["telnyx-api-key"]));
        Assert.False(data.ContainsKey("redis-connection-string"));
        AssertSecretRef(manifests.Env("Auth__SigningKey"), name, "auth-signing-key", optional: false);
        AssertSecretRef(manifests.Env("Telnyx__ApiKey"), name, "telnyx-api-key", optional: false);
        AssertSecretRef(manifests.Env("Telnyx__PublicKey"), name, "telnyx-public-key", optional: false);
        Assert.False(manifests.HasEnv("ConnectionStrings__Redis"));

        var deploymentText = manifests.Deployment.ToJsonString();
        Assert.DoesNotContain("ci-only-signing-key", deploymentText, StringComparison.Ordinal);
        Assert.DoesNotContain("KEY0123456789ABCDEF", deploymentText, StringComparison.Ordinal);
        Assert.True(manifests.Deployment["spec"]!["template"]!["metadata"]!["annotations"]!.AsObject().ContainsKey("checksum/secret"));
    }

    [Fact]
    public void Redis_connection_string_is_stored_in_the_secret_for_production()
    {
        var manifests = HelmChart.Render("production-values.yaml");
        var secret = manifests.Single("Secret");
        Assert.Equal(
            "redis-master.redis.svc.cluster.local:6379,password=not-a-real-password,abortConnect=false",
            Base64((string?)secret["data"]!["redis-connection-string"]));
        AssertSecretRef(manifests.Env("ConnectionStrings__Redis"), (string?)secret["metadata"]!["name"], "redis-connection-string", optional: false);
        Assert.Equal("gateway-prod:", (string?)manifests.Env("Redis__KeyPrefix")["value"]);
        Assert.Equal("1", (string?)manifests.Env("Redis__WriteAcknowledgements")["value"]);
        Assert.Equal("00:00:01", (string?)manifests.Env("Redis__WriteAcknowledgementTimeout")["value"]);
    }

    [Fact]
    public void Admin_writes_wait_for_what_the_Redis_topology_implies_by_default()
    {
        var manifests = HelmChart.Render("minimal-values.yaml");
        Assert.Equal("-1", (string?)manifests.Env("Redis__WriteAcknowledgements")["value"]);
    }

    [Fact]
    public void A_write_acknowledgement_timeout_that_is_not_a_time_span_is_refused()
    {
        var result = HelmChart.Template(null, "--set", "redis.writeAcknowledgementTimeout=1s");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("writeAcknowledgementTimeout", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--set", "replicaCount=3")]
    [InlineData("--set", "autoscaling.enabled=true")]
    public void Rendering_fails_for_several_replicas_without_redis(string flag, string value)
    {
        var result = HelmChart.Template(null, flag, value);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("needs Redis", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Rendering_fails_when_a_secret_is_given_both_inline_and_by_reference()
    {
        var result = HelmChart.Template(null, "--set", "redis.connectionString=redis:6379", "--set", "redis.existingSecret=voice-redis");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("either redis.connectionString or redis.existingSecret", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("replicaCont=3", "replicaCont")]
    [InlineData("gateway.drainWindowSecond=60", "drainWindowSecond")]
    [InlineData("ingress.enable=true", "enable")]
    public void Schema_rejects_a_misspelled_key(string setting, string misspelled)
    {
        var result = HelmChart.Template(null, "--set", setting);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("additional properties", result.StandardError, StringComparison.Ordinal);
        Assert.Contains($"'{misspelled}'", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("replicaCount=three", "/replicaCount")]
    [InlineData("gateway.drainWindowSeconds=true", "/gateway/drainWindowSeconds")]
    [InlineData("service.port=http", "/service/port")]
    [InlineData("logging.format=xml", "/logging/format")]
    [InlineData("gateway.drainWindowSeconds=7201", "/gateway/drainWindowSeconds")]
    public void Schema_rejects_a_wrong_type_or_value(string setting, string path)
    {
        var result = HelmChart.Template(null, "--set", setting);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"'{path}'", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shutdown_margin_below_the_gateways_own_shutdown_work_is_refused_by_schema_and_template()
    {
        var bySchema = HelmChart.Template(null, "--set", "gateway.shutdownMarginSeconds=15");
        Assert.NotEqual(0, bySchema.ExitCode);
        Assert.Contains("/gateway/shutdownMarginSeconds", bySchema.StandardError, StringComparison.Ordinal);

        var byTemplate = HelmChart.Template(null, "--set", "gateway.shutdownMarginSeconds=15", "--skip-schema-validation");
        Assert.NotEqual(0, byTemplate.ExitCode);
        Assert.Contains("shutdownMarginSeconds is 15", byTemplate.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Configuration_keys_reach_the_gateway_as_environment()
    {
        var manifests = HelmChart.Render("production-values.yaml");
        Assert.Equal("https://voice.example.com", (string?)manifests.Env("Gateway__PublicBaseUrl")["value"]);
        Assert.Equal("json", (string?)manifests.Env("Logging__Console__FormatterName")["value"]);
        Assert.Equal("https://login.example.com/realms/platform", (string?)manifests.Env("Auth__Authority")["value"]);
        Assert.Equal("voice-gateway", (string?)manifests.Env("Auth__Audience")["value"]);
        Assert.Equal("gateway", (string?)manifests.Env("Auth__Issuer")["value"]);
        Assert.Equal("00:00:03", (string?)manifests.Env("Relay__BotConnectTimeout")["value"]);
        Assert.Equal("registry.example.com/voice/telnyx-gateway:1.4.2", (string?)manifests.Container["image"]);
        Assert.False(manifests.HasEnv("Auth__SigningKey"));

        var defaults = HelmChart.Render(null);
        Assert.Equal($"telnyx-gateway:{ReadChartYaml()["appVersion"]}", (string?)defaults.Container["image"]);
        Assert.False(defaults.HasEnv("Gateway__PublicBaseUrl"));
        Assert.False(defaults.HasEnv("ConnectionStrings__Redis"));
        Assert.False(defaults.HasEnv("Auth__Authority"));
        Assert.Equal("json", (string?)defaults.Env("Logging__Console__FormatterName")["value"]);
        Assert.Empty(defaults.OfKind("Secret"));
    }

    [Fact]
    public void Registry_seed_is_a_read_only_mounted_config_map_named_by_Registry__SeedFile()
    {
        var manifests = HelmChart.Render("minimal-values.yaml");
        var seedFile = (string?)manifests.Env("Registry__SeedFile")["value"];
        var mount = manifests.Container["volumeMounts"]!.AsArray().Single(m => seedFile!.StartsWith((string)m!["mountPath"]! + "/", StringComparison.Ordinal))!;
        Assert.True((bool)mount["readOnly"]!);
        var volume = manifests.PodSpec["volumes"]!.AsArray().Single(v => (string?)v!["name"] == (string?)mount["name"])!;
        var configMapName = (string?)volume["configMap"]!["name"];
        var configMap = manifests.OfKind("ConfigMap").Single(c => (string?)c["metadata"]!["name"] == configMapName);

        var seed = JsonNode.Parse((string)configMap["data"]![Path.GetFileName(seedFile)!]!)!;
        var agent = seed["agents"]!["acme/support"]!;
        Assert.Equal(50, (int)agent["maxConcurrentCalls"]!);
        Assert.Equal("ws://sample-bot.acme.svc.cluster.local:8080/ws", (string?)agent["instances"]![0]!["url"]);
        Assert.Equal(10, (int)agent["instances"]![0]!["capacity"]!);

        // The chart's default seed has the same shape as config/registry.json, with no agents.
        var defaults = HelmChart.Render(null).OfKind("ConfigMap").Single();
        Assert.Equal("{\"agents\":{}}", JsonNode.Parse((string)defaults["data"]!["registry.json"]!)!.ToJsonString());
    }

    [Fact]
    public void A_null_registry_seed_turns_seeding_off_instead_of_falling_back_to_the_images_sample_agents()
    {
        var manifests = HelmChart.Render(null, "--set", "registrySeed=null");
        Assert.Equal(string.Empty, (string?)manifests.Env("Registry__SeedFile")["value"]);
        Assert.Empty(manifests.OfKind("ConfigMap"));
        Assert.DoesNotContain(manifests.PodSpec["volumes"]!.AsArray(), v => v!["configMap"] is not null);
    }

    [Fact]
    public void Registry_seed_schema_refuses_a_malformed_agent_key()
    {
        var result = HelmChart.Template(null, "--set", "registrySeed.agents.Acme_Support.enabled=true");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Acme_Support", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_renders_an_autoscaler_a_service_monitor_a_network_policy_and_the_dashboard()
    {
        var manifests = HelmChart.Render("production-values.yaml");
        var deployment = manifests.Deployment;
        Assert.Null(deployment["spec"]!["replicas"]);

        var hpa = manifests.Single("HorizontalPodAutoscaler");
        Assert.Equal("autoscaling/v2", (string?)hpa["apiVersion"]);
        Assert.Equal("Deployment", (string?)hpa["spec"]!["scaleTargetRef"]!["kind"]);
        Assert.Equal(deployment["metadata"]!["name"]!.ToString(), (string?)hpa["spec"]!["scaleTargetRef"]!["name"]);
        Assert.Equal(3, (int)hpa["spec"]!["minReplicas"]!);
        Assert.Equal(12, (int)hpa["spec"]!["maxReplicas"]!);

        var monitor = manifests.Single("ServiceMonitor");
        Assert.Equal("monitoring.coreos.com/v1", (string?)monitor["apiVersion"]);
        var endpoint = Assert.Single(monitor["spec"]!["endpoints"]!.AsArray())!;
        Assert.Equal("admin", (string?)endpoint["port"]);
        Assert.Equal("/metrics", (string?)endpoint["path"]);
        Assert.Equal("kube-prometheus-stack", (string?)monitor["metadata"]!["labels"]!["release"]);
        var service = manifests.Single("Service");
        Assert.Contains(service["spec"]!["ports"]!.AsArray(), p => (string?)p!["name"] == "http" && (string?)p["targetPort"] == "http");

        var policy = manifests.Single("NetworkPolicy");
        Assert.Equal(["Ingress", "Egress"], policy["spec"]!["policyTypes"]!.AsArray().Select(p => (string?)p));
        Assert.Equal("http", (string?)policy["spec"]!["ingress"]![0]!["ports"]![0]!["port"]);

        var spread = manifests.PodSpec["topologySpreadConstraints"]!.AsArray();
        Assert.Equal(["kubernetes.io/hostname", "topology.kubernetes.io/zone"], spread.Select(c => (string?)c!["topologyKey"]));
        Assert.All(spread, c => AssertSelector(c!["labelSelector"]!["matchLabels"], "topology spread labelSelector"));

        var dashboard = manifests.OfKind("ConfigMap").Single(c => (string?)c["metadata"]!["labels"]!["grafana_dashboard"] == "1");
        var shipped = File.ReadAllText(Path.Combine(HelmChart.ChartDirectory, "dashboards", "gateway.json"));
        Assert.Equal(shipped.TrimEnd('\n'), (string?)dashboard["data"]!["gateway.json"]);
    }

    [Fact]
    public void The_admin_port_is_on_by_default_as_a_second_container_and_service_port_the_gateway_is_told()
    {
        var manifests = HelmChart.Render(null);
        var ports = manifests.Container["ports"]!.AsArray();
        Assert.Equal(["http", "admin", "media"], ports.Select(p => (string?)p!["name"]));
        Assert.Equal(9090, (int)ports.Single(p => (string?)p!["name"] == "admin")!["containerPort"]!);
        Assert.Equal("9090", (string?)manifests.Env("Gateway__AdminPort")["value"]);

        var servicePorts = manifests.Single("Service")["spec"]!["ports"]!.AsArray();
        Assert.Equal(["http", "media", "admin"], servicePorts.Select(p => (string?)p!["name"]));
        var admin = servicePorts.Single(p => (string?)p!["name"] == "admin")!;
        Assert.Equal(9090, (int)admin["port"]!);
        Assert.Equal("admin", (string?)admin["targetPort"]);

        // The probes stay on port http; the public routes are all that the Ingress reaches.
        Assert.Equal("http", (string?)manifests.Container["readinessProbe"]!["httpGet"]!["port"]);
        var ingress = HelmChart.Render("ingress-values.yaml").Single("Ingress");
        Assert.All(ingress["spec"]!["rules"]!.AsArray().SelectMany(r => r!["http"]!["paths"]!.AsArray()),
            path => Assert.NotEqual("admin", (string?)path!["backend"]!["service"]!["port"]!["name"]));
    }

    [Fact]
    public void With_the_admin_port_null_one_port_serves_everything_and_prometheus_scrapes_it()
    {
        var manifests = HelmChart.Render("single-port-values.yaml");
        Assert.Equal("http", (string?)Assert.Single(manifests.Container["ports"]!.AsArray())!["name"]);
        Assert.False(manifests.HasEnv("Gateway__AdminPort"));
        Assert.Equal("http", (string?)Assert.Single(manifests.Single("Service")["spec"]!["ports"]!.AsArray())!["name"]);
        Assert.Equal("http", (string?)Assert.Single(manifests.Single("ServiceMonitor")["spec"]!["endpoints"]!.AsArray())!["port"]);
        var rule = Assert.Single(manifests.Single("NetworkPolicy")["spec"]!["ingress"]!.AsArray())!;
        Assert.Equal("http", (string?)rule["ports"]![0]!["port"]);
        Assert.Equal(3, rule["from"]!.AsArray().Count);
    }

    [Fact]
    public void The_network_policy_lets_the_ingress_reach_only_port_http_and_the_named_namespaces_only_the_admin_port()
    {
        var rules = HelmChart.Render("production-values.yaml").Single("NetworkPolicy")["spec"]!["ingress"]!.AsArray();
        Assert.Equal(2, rules.Count);
        var http = rules.Single(r => (string?)r!["ports"]![0]!["port"] == "http")!;
        Assert.Equal("ingress-haproxy", (string?)Assert.Single(http["from"]!.AsArray())!["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]);

        var admin = rules.Single(r => (string?)r!["ports"]![0]!["port"] == "admin")!;
        Assert.Single(admin["ports"]!.AsArray());
        var peers = admin["from"]!.AsArray();
        var byName = peers[0]!["namespaceSelector"]!["matchExpressions"]![0]!;
        Assert.Equal("kubernetes.io/metadata.name", (string?)byName["key"]);
        Assert.Equal("In", (string?)byName["operator"]);
        Assert.Equal(["monitoring"], byName["values"]!.AsArray().Select(v => (string?)v));
        Assert.Equal("true", (string?)peers[1]!["namespaceSelector"]!["matchLabels"]!["voice.example.com/bots"]);

        // With no namespace named, no rule opens the admin port at all.
        var closed = HelmChart.Render(null, "--set", "networkPolicy.enabled=true").Single("NetworkPolicy")["spec"]!["ingress"]!.AsArray();
        Assert.Equal("http", (string?)Assert.Single(closed)!["ports"]![0]!["port"]);
    }

    [Theory]
    [InlineData("gateway.adminPort=0", "/gateway/adminPort")]
    [InlineData("gateway.adminPort=65536", "/gateway/adminPort")]
    [InlineData("networkPolicy.adminNamespaces[0]=Bots_NS", "/networkPolicy/adminNamespaces/0")]
    public void Schema_rejects_an_admin_port_or_namespace_that_cannot_be(string setting, string path)
    {
        var result = HelmChart.Template(null, "--set", setting);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"'{path}'", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void An_admin_port_equal_to_the_public_port_is_refused()
    {
        var result = HelmChart.Template(null, "--set", "gateway.adminPort=8080");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("gateway.adminPort must differ from 8080", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void Discovery_grants_read_only_endpointslices_in_each_bots_namespace_and_mounts_the_token()
    {
        var manifests = HelmChart.Render("discovery-values.yaml");
        Assert.True((bool)manifests.PodSpec["automountServiceAccountToken"]!);
        var account = manifests.Single("ServiceAccount");
        Assert.True((bool)account["automountServiceAccountToken"]!);
        var accountName = (string?)account["metadata"]!["name"];
        Assert.Equal(accountName, (string?)manifests.PodSpec["serviceAccountName"]);

        var roles = manifests.OfKind("Role").ToList();
        Assert.Equal(["bots", "bots-staging"], roles.Select(r => (string?)r["metadata"]!["namespace"]));
        foreach (var role in roles)
        {
            AssertEndpointSliceReader(role);
        }

        var bindings = manifests.OfKind("RoleBinding").ToList();
        Assert.Equal(["bots", "bots-staging"], bindings.Select(b => (string?)b["metadata"]!["namespace"]));
        foreach (var binding in bindings)
        {
            Assert.Equal("Role", (string?)binding["roleRef"]!["kind"]);
            Assert.Equal((string?)roles[0]["metadata"]!["name"], (string?)binding["roleRef"]!["name"]);
            var subject = Assert.Single(binding["subjects"]!.AsArray())!;
            Assert.Equal("ServiceAccount", (string?)subject["kind"]);
            Assert.Equal(accountName, (string?)subject["name"]);
            Assert.Equal(HelmChart.Namespace, (string?)subject["namespace"]);
        }

        Assert.Empty(manifests.OfKind("ClusterRole"));
        Assert.Empty(manifests.OfKind("ClusterRoleBinding"));
    }

    [Fact]
    public void Cluster_wide_discovery_is_one_cluster_role_bound_to_the_gateways_account()
    {
        var manifests = HelmChart.Render(null, "--set", "discovery.enabled=true", "--set", "discovery.clusterWide=true");
        Assert.Empty(manifests.OfKind("Role"));
        Assert.Empty(manifests.OfKind("RoleBinding"));
        var role = manifests.Single("ClusterRole");
        AssertEndpointSliceReader(role);
        Assert.Null(role["metadata"]!["namespace"]);
        var binding = manifests.Single("ClusterRoleBinding");
        Assert.Equal("ClusterRole", (string?)binding["roleRef"]!["kind"]);
        Assert.Equal((string?)role["metadata"]!["name"], (string?)binding["roleRef"]!["name"]);
        Assert.Equal(HelmChart.Namespace, (string?)binding["subjects"]![0]!["namespace"]);
        Assert.True((bool)manifests.PodSpec["automountServiceAccountToken"]!);
    }

    [Fact]
    public void Without_discovery_there_is_no_rbac_and_no_api_token()
    {
        var manifests = HelmChart.Render(null);
        Assert.DoesNotContain(manifests.Resources, r => ((string?)r["apiVersion"])!.StartsWith("rbac.", StringComparison.Ordinal));
        Assert.False((bool)manifests.PodSpec["automountServiceAccountToken"]!);
        Assert.False((bool)manifests.Single("ServiceAccount")["automountServiceAccountToken"]!);
    }

    [Fact]
    public void Discovery_with_no_namespace_and_not_cluster_wide_is_refused()
    {
        var result = HelmChart.Template(null, "--set", "discovery.enabled=true");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("discovery.enabled needs discovery.namespaces", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void The_http_route_sends_only_the_telnyx_facing_paths_to_ports_media_and_http_with_no_request_timeout()
    {
        var manifests = HelmChart.Render("gateway-api-values.yaml");
        var route = manifests.Single("HTTPRoute");
        Assert.Equal("gateway.networking.k8s.io/v1", (string?)route["apiVersion"]);
        Assert.Equal("voice-platform", (string?)route["metadata"]!["annotations"]!["example.com/owner"]);
        var parent = Assert.Single(route["spec"]!["parentRefs"]!.AsArray())!;
        Assert.Equal("public", (string?)parent["name"]);
        Assert.Equal("gateways", (string?)parent["namespace"]);
        Assert.Equal("https", (string?)parent["sectionName"]);
        Assert.Equal(["voice.example.com"], route["spec"]!["hostnames"]!.AsArray().Select(h => (string?)h));

        // The chart's default media listener takes the exact stream path; the rest goes to port http.
        var rules = route["spec"]!["rules"]!.AsArray();
        Assert.Equal(2, rules.Count);
        var rule = rules[1]!;
        Assert.Equal(["/ws/telnyx", "/texml"], rule["matches"]!.AsArray().Select(m => (string?)m!["path"]!["value"]));
        Assert.All(rule["matches"]!.AsArray(), m => Assert.Equal("PathPrefix", (string?)m!["path"]!["type"]));
        var backend = Assert.Single(rule["backendRefs"]!.AsArray())!;
        var service = manifests.Single("Service");
        Assert.Equal((string?)service["metadata"]!["name"], (string?)backend["name"]);
        var httpPort = service["spec"]!["ports"]!.AsArray().Single(p => (string?)p!["name"] == "http")!;
        Assert.Equal((int)httpPort["port"]!, (int)backend["port"]!);
        Assert.Equal("0s", (string?)rule["timeouts"]!["request"]);
        Assert.Empty(manifests.OfKind("Ingress"));
    }

    [Fact]
    public void An_http_route_needs_a_parent_and_may_leave_timeouts_to_the_implementation()
    {
        var unattached = HelmChart.Template(null, "--set", "httpRoute.enabled=true");
        Assert.NotEqual(0, unattached.ExitCode);
        Assert.Contains("httpRoute.enabled needs httpRoute.parentRefs", unattached.StandardError, StringComparison.Ordinal);

        var rule = HelmChart.Render("gateway-api-values.yaml", "--set", "httpRoute.timeouts=null").Single("HTTPRoute")["spec"]!["rules"]![0]!;
        Assert.Null(rule["timeouts"]);

        var badDuration = HelmChart.Template("gateway-api-values.yaml", "--set", "httpRoute.timeouts.request=1 hour");
        Assert.NotEqual(0, badDuration.ExitCode);
        Assert.Contains("/httpRoute/timeouts/request", badDuration.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public void The_prometheus_rule_alerts_on_redis_errors_staleness_refusals_discovery_and_stuck_drains()
    {
        var manifests = HelmChart.Render("gateway-api-values.yaml");
        var rule = manifests.Single("PrometheusRule");
        Assert.Equal("monitoring.coreos.com/v1", (string?)rule["apiVersion"]);
        Assert.Equal("kube-prometheus-stack", (string?)rule["metadata"]!["labels"]!["release"]);
        var alerts = Assert.Single(rule["spec"]!["groups"]!.AsArray())!["rules"]!.AsArray()
            .ToDictionary(a => (string)a!["alert"]!, a => a!.AsObject());
        Assert.Equal(
            ["GatewayDiscoveryStale", "GatewayDrainStuck", "GatewayNoCapacityRefusals", "GatewayRedisErrors", "GatewayRegistryStale"],
            alerts.Keys.Order(StringComparer.Ordinal));

        var job = $"job=\"{manifests.Deployment["metadata"]!["name"]}\"";
        Assert.Contains($"rate(gateway_redis_errors_total{{{job}}}[5m])", (string?)alerts["GatewayRedisErrors"]["expr"], StringComparison.Ordinal);
        Assert.EndsWith($"(gateway_registry_staleness_seconds{{{job}}}) > 120", (string?)alerts["GatewayRegistryStale"]["expr"], StringComparison.Ordinal);
        Assert.Contains($"gateway_calls_ended_total{{{job},outcome=\"rejected_no_capacity\"}}", (string?)alerts["GatewayNoCapacityRefusals"]["expr"], StringComparison.Ordinal);
        Assert.StartsWith("sum by (org, agent)", (string?)alerts["GatewayNoCapacityRefusals"]["expr"], StringComparison.Ordinal);
        Assert.Contains($"gateway_discovery_staleness_seconds{{{job}}}) > 60", (string?)alerts["GatewayDiscoveryStale"]["expr"], StringComparison.Ordinal);
        Assert.EndsWith($"(gateway_draining{{{job}}}) == 1", (string?)alerts["GatewayDrainStuck"]["expr"], StringComparison.Ordinal);

        // Stuck: draining for longer than the drain window plus the shutdown margin (240 + 30 s by default).
        Assert.Equal("270s", (string?)alerts["GatewayDrainStuck"]["for"]);
        Assert.Equal("critical", (string?)alerts["GatewayNoCapacityRefusals"]["labels"]!["severity"]);
        Assert.All(alerts.Values, a => Assert.Equal("voice", (string?)a["labels"]!["team"]));

        // Prometheus' own template syntax reaches the rule untouched by Helm's.
        Assert.Equal("{{ $labels.pod }} has been draining too long", (string?)alerts["GatewayDrainStuck"]["annotations"]!["summary"]);
    }

    [Fact]
    public void The_drain_alert_follows_the_drain_window_and_the_discovery_alert_needs_discovery()
    {
        var alerts = HelmChart.Render("production-values.yaml", "--set", "prometheusRule.enabled=true")
            .Single("PrometheusRule")["spec"]!["groups"]![0]!["rules"]!.AsArray();
        Assert.DoesNotContain(alerts, a => (string?)a!["alert"] == "GatewayDiscoveryStale");
        Assert.Equal("3630s", (string?)alerts.Single(a => (string?)a!["alert"] == "GatewayDrainStuck")!["for"]);

        var selected = HelmChart.Render(null, "--set", "prometheusRule.enabled=true", "--set", "prometheusRule.selector=namespace=\"telephony\"", "--set", "prometheusRule.alerts.redisErrors.enabled=false")
            .Single("PrometheusRule")["spec"]!["groups"]![0]!["rules"]!.AsArray();
        Assert.DoesNotContain(selected, a => (string?)a!["alert"] == "GatewayRedisErrors");
        Assert.All(selected, a => Assert.Contains("{namespace=\"telephony\"", (string?)a!["expr"], StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("discovery-values.yaml")]
    [InlineData("gateway-api-values.yaml")]
    public void Three_replicas_or_an_autoscaler_from_three_spread_over_zones_by_default(string file)
    {
        var spread = Assert.Single(HelmChart.Render(file).PodSpec["topologySpreadConstraints"]!.AsArray())!;
        Assert.Equal("topology.kubernetes.io/zone", (string?)spread["topologyKey"]);
        Assert.Equal("ScheduleAnyway", (string?)spread["whenUnsatisfiable"]);
        Assert.Equal(1, (int)spread["maxSkew"]!);
        Assert.Equal(["pod-template-hash"], spread["matchLabelKeys"]!.AsArray().Select(k => (string?)k));
        AssertSelector(spread["labelSelector"]!["matchLabels"], "zone spread labelSelector");
    }

    [Theory]
    [InlineData(null, new string[0])]
    [InlineData(null, new[] { "--set", "replicaCount=2", "--set", "redis.connectionString=redis:6379" })]
    [InlineData(null, new[] { "--set", "replicaCount=3", "--set", "redis.connectionString=redis:6379", "--set", "zoneSpread.enabled=false" })]
    [InlineData(null, new[] { "--set", "replicaCount=5", "--set", "redis.connectionString=redis:6379", "--set", "autoscaling.enabled=true", "--set", "autoscaling.minReplicas=2" })]
    public void Fewer_than_three_replicas_or_zone_spread_off_render_no_constraint(string? file, string[] arguments)
    {
        Assert.Null(HelmChart.Render(file, arguments).PodSpec["topologySpreadConstraints"]);
    }

    [Fact]
    public void A_zone_constraint_of_ones_own_replaces_the_charts()
    {
        var spread = Assert.Single(HelmChart.Render(null, "--set", "replicaCount=3", "--set", "redis.connectionString=redis:6379",
            "--set-json", """topologySpreadConstraints=[{"maxSkew":2,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"DoNotSchedule"}]""")
            .PodSpec["topologySpreadConstraints"]!.AsArray())!;
        Assert.Equal(2, (int)spread["maxSkew"]!);
        Assert.Equal("DoNotSchedule", (string?)spread["whenUnsatisfiable"]);
        Assert.Null(spread["matchLabelKeys"]);
    }

    [Fact]
    public void Optional_resources_stay_off_by_default()
    {
        var kinds = HelmChart.Render(null).Resources.Select(r => (string?)r["kind"]).Order().ToList();
        Assert.Equal(["ConfigMap", "Deployment", "Service", "ServiceAccount"], kinds);
    }

    [Fact]
    public void Ingress_routes_only_the_telnyx_facing_paths_with_tls_and_websocket_timeouts()
    {
        var manifests = HelmChart.Render("ingress-values.yaml");
        var ingress = manifests.Single("Ingress");
        Assert.Equal("networking.k8s.io/v1", (string?)ingress["apiVersion"]);
        Assert.Equal("haproxy", (string?)ingress["spec"]!["ingressClassName"]);
        Assert.Equal("3600s", (string?)ingress["metadata"]!["annotations"]!["haproxy.org/timeout-tunnel"]);
        var rule = Assert.Single(ingress["spec"]!["rules"]!.AsArray())!;
        Assert.Equal("voice.example.com", (string?)rule["host"]);
        var paths = rule["http"]!["paths"]!.AsArray();
        Assert.Equal(["/ws/telnyx", "/ws/telnyx", "/texml"], paths.Select(p => (string?)p!["path"]));
        Assert.Equal(["Exact", "Prefix", "Prefix"], paths.Select(p => (string?)p!["pathType"]));
        Assert.Equal(["media", "http", "http"], paths.Select(p => (string?)p!["backend"]!["service"]!["port"]!["name"]));
        var serviceName = (string?)manifests.Single("Service")["metadata"]!["name"];
        Assert.All(paths, p => Assert.Equal(serviceName, (string?)p!["backend"]!["service"]!["name"]));
        Assert.Equal("voice-example-com-tls", (string?)ingress["spec"]!["tls"]![0]!["secretName"]);
    }

    [Fact]
    public void Every_value_in_values_yaml_is_documented()
    {
        // A key is documented when a comment line stands right above it or above one of its ancestors (a comment on
        // `resources:` covers `requests.cpu`; one on `hosts:` covers each host entry's fields).
        var lines = File.ReadAllLines(Path.Combine(HelmChart.ChartDirectory, "values.yaml"));
        var undocumented = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (KeyColumn(lines[i]) is not null && !IsDocumented(lines, i))
            {
                undocumented.Add($"line {i + 1}: {lines[i].Trim()}");
            }
        }

        Assert.True(undocumented.Count == 0, "values.yaml keys without a comment:\n" + string.Join('\n', undocumented));
    }

    /// <summary>The column where a line's key starts ("- key:" counts from the key), or null for non-key lines.</summary>
    private static int? KeyColumn(string line)
    {
        var trimmed = line.TrimStart();
        if (trimmed.Length == 0 || trimmed[0] == '#' || !trimmed.Contains(": ", StringComparison.Ordinal) && !trimmed.EndsWith(':'))
        {
            return null;
        }

        var column = line.Length - trimmed.Length;
        return trimmed.StartsWith("- ", StringComparison.Ordinal) ? column + 2 : column;
    }

    private static bool IsDocumented(string[] lines, int index)
    {
        for (var line = index; line >= 0;)
        {
            var above = line - 1;
            while (above >= 0 && lines[above].Trim().Length == 0)
            {
                above--;
            }

            if (above >= 0 && lines[above].TrimStart().StartsWith('#'))
            {
                return true;
            }

            // Up to the parent: the nearest key line above with a smaller key column.
            var column = KeyColumn(lines[line]) ?? 0;
            var parent = above;
            while (parent >= 0 && (KeyColumn(lines[parent]) is not { } parentColumn || parentColumn >= column))
            {
                parent--;
            }

            line = parent;
        }

        return false;
    }

    private static void AssertSelector(JsonNode? selector, string what)
    {
        var labels = Assert.IsType<JsonObject>(selector);
        Assert.True(labels.Count > 0, $"{what} is empty");
        Assert.Equal(SelectorLabelKeys.Order(), labels.Select(l => l.Key).Order());
        Assert.Equal("gateway", (string?)labels["app.kubernetes.io/name"]);
        Assert.Equal(HelmChart.ReleaseName, (string?)labels["app.kubernetes.io/instance"]);
    }

    private static void AssertEndpointSliceReader(JsonObject role)
    {
        var rule = Assert.Single(role["rules"]!.AsArray())!;
        Assert.Equal(["discovery.k8s.io"], rule["apiGroups"]!.AsArray().Select(g => (string?)g));
        Assert.Equal(["endpointslices"], rule["resources"]!.AsArray().Select(r => (string?)r));
        Assert.Equal(["get", "list", "watch"], rule["verbs"]!.AsArray().Select(v => (string?)v));
    }

    private static void AssertSecretRef(JsonObject env, string? secret, string key, bool optional)
    {
        Assert.Null(env["value"]);
        var reference = env["valueFrom"]!["secretKeyRef"]!;
        Assert.Equal(secret, (string?)reference["name"]);
        Assert.Equal(key, (string?)reference["key"]);
        Assert.Equal(optional, (bool?)reference["optional"] ?? false);
    }

    private static void AssertNoNullLeaves(IEnumerable<JsonNode> resources)
    {
        foreach (var resource in resources)
        {
            Walk(resource, $"{resource["kind"]}");
        }

        static void Walk(JsonNode? node, string path)
        {
            switch (node)
            {
                case null:
                    Assert.Fail($"{path} is null (a key rendered with no value)");
                    break;
                case JsonObject map:
                    foreach (var (key, child) in map)
                    {
                        Walk(child, $"{path}.{key}");
                    }

                    break;
                case JsonArray list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        Walk(list[i], $"{path}[{i}]");
                    }

                    break;
            }
        }
    }

    private static TimeSpan ParseTimeSpan(string? value)
    {
        Assert.NotNull(value);
        Assert.True(TimeSpan.TryParseExact(value, @"hh\:mm\:ss", CultureInfo.InvariantCulture, out var span),
            $"'{value}' is not an hh:mm:ss TimeSpan");
        Assert.Equal(span, TimeSpan.Parse(value, CultureInfo.InvariantCulture));
        return span;
    }

    private static string Base64(string? value) => Encoding.UTF8.GetString(Convert.FromBase64String(value!));

    private static JsonObject ReadChartYaml() =>
        ManifestYaml.Parse(File.ReadAllText(Path.Combine(HelmChart.ChartDirectory, "Chart.yaml")))!.AsObject();
}
