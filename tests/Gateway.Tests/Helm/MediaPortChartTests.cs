namespace Gateway.Tests.Helm;

/// <summary>
/// The chart's media listener (<c>gateway.mediaPort</c>), on by default: the port on the pod, the Service, the routes
/// and the NetworkPolicy, and one port for everything when it is null.
/// </summary>
public sealed class MediaPortChartTests
{
    [Fact]
    public void The_media_listener_is_on_by_default_and_the_gateway_is_told_its_port()
    {
        var manifests = HelmChart.Render(null);
        var media = manifests.Container["ports"]!.AsArray().Single(p => (string?)p!["name"] == "media")!;
        Assert.Equal(8081, (int)media["containerPort"]!);
        Assert.Equal("8081", (string?)manifests.Env("Gateway__MediaPort")["value"]);

        var service = manifests.Single("Service")["spec"]!["ports"]!.AsArray().Single(p => (string?)p!["name"] == "media")!;
        Assert.Equal(8081, (int)service["port"]!);
        Assert.Equal("media", (string?)service["targetPort"]);
    }

    [Fact]
    public void The_http_route_sends_the_exact_stream_path_to_the_media_port_under_the_same_timeouts()
    {
        var manifests = HelmChart.Render("gateway-api-values.yaml", "--set", "service.mediaPort=9443");
        var media = manifests.Single("HTTPRoute")["spec"]!["rules"]![0]!;
        var match = Assert.Single(media["matches"]!.AsArray())!;
        Assert.Equal("Exact", (string?)match["path"]!["type"]);
        Assert.Equal("/ws/telnyx", (string?)match["path"]!["value"]);
        var backend = Assert.Single(media["backendRefs"]!.AsArray())!;
        Assert.Equal((string?)manifests.Single("Service")["metadata"]!["name"], (string?)backend["name"]);
        Assert.Equal(9443, (int)backend["port"]!);
        Assert.Equal("0s", (string?)media["timeouts"]!["request"]);
    }

    [Fact]
    public void The_network_policy_admits_the_ingress_to_the_media_port_beside_port_http()
    {
        var rules = HelmChart.Render("production-values.yaml").Single("NetworkPolicy")["spec"]!["ingress"]!.AsArray();
        var telnyxFacing = rules.Single(r => (string?)r!["ports"]![0]!["port"] == "http")!;
        Assert.Equal(["http", "media"], telnyxFacing["ports"]!.AsArray().Select(p => (string?)p!["port"]));
    }

    [Fact]
    public void With_the_media_port_null_streams_stay_on_port_http_everywhere()
    {
        var manifests = HelmChart.Render("ingress-values.yaml", "--set", "gateway.mediaPort=null", "--set", "networkPolicy.enabled=true");
        Assert.DoesNotContain(manifests.Container["ports"]!.AsArray(), p => (string?)p!["name"] == "media");
        Assert.False(manifests.HasEnv("Gateway__MediaPort"));
        Assert.DoesNotContain(manifests.Single("Service")["spec"]!["ports"]!.AsArray(), p => (string?)p!["name"] == "media");
        var paths = manifests.Single("Ingress")["spec"]!["rules"]![0]!["http"]!["paths"]!.AsArray();
        Assert.Equal(["http", "http"], paths.Select(p => (string?)p!["backend"]!["service"]!["port"]!["name"]));
        var rule = manifests.Single("NetworkPolicy")["spec"]!["ingress"]![0]!;
        Assert.Equal(["http"], rule["ports"]!.AsArray().Select(p => (string?)p!["port"]));

        var route = HelmChart.Render("gateway-api-values.yaml", "--set", "gateway.mediaPort=null").Single("HTTPRoute");
        Assert.Single(route["spec"]!["rules"]!.AsArray());
    }

    [Theory]
    [InlineData("gateway.mediaPort=8080")]
    [InlineData("gateway.mediaPort=9090")]
    public void A_media_port_shared_with_the_public_or_admin_port_is_refused(string setting)
    {
        var result = HelmChart.Template(null, "--set", setting);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("gateway.mediaPort must differ from 8080 and from gateway.adminPort", result.StandardError, StringComparison.Ordinal);
    }
}
