using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Texml;

/// <summary>
/// Where the documents send Telnyx's stream: <c>Gateway:PublicBaseUrl</c> as wss://, or the Host Telnyx dialled, as
/// ws:// for a fetch over plain HTTP and wss:// when it came through TLS or a TLS-terminating proxy. With a media
/// listener, a fetch straight over plain HTTP names its port, and one through a proxy streams back through the proxy.
/// </summary>
public sealed class PublicBaseUrlTests
{
    [Fact]
    public async Task A_configured_base_with_port_and_path_prefix_is_the_documents_stream_host()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:PublicBaseUrl"] = "https://voice.example.com:8443/gw/" });
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("acme", "support"), new AgentResource());

        var response = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"), host: "ignored.example.org");

        Assert.Equal("wss://voice.example.com:8443/gw/ws/telnyx?serviceHost=support.acme", response.StreamUrl());
    }

    [Fact]
    public async Task A_configured_http_base_still_gives_wss_behind_its_tls_proxy()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:PublicBaseUrl"] = "http://voice.example.com" });
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("acme", "support"), new AgentResource());

        var response = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"));

        Assert.Equal("wss://voice.example.com/ws/telnyx?serviceHost=support.acme", response.StreamUrl());
    }

    [Fact]
    public async Task Unset_a_plain_http_fetch_streams_to_ws_on_the_request_Host()
    {
        await using var gateway = await GatewayHost.StartAsync(mediaPort: false);
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("acme", "support"), new AgentResource());

        var viaName = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"), host: "calls.example.org:9443");
        var direct = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"));
        var posted = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), "To=%2B13125550100");

        Assert.Equal("ws://calls.example.org:9443/ws/telnyx?serviceHost=support.acme", viaName.StreamUrl());
        Assert.Equal($"ws://{gateway.BaseUri.Authority}/ws/telnyx?serviceHost=support.acme", direct.StreamUrl());
        Assert.Equal($"ws://{gateway.BaseUri.Authority}/ws/telnyx?serviceHost=support.acme", posted.StreamUrl());
    }

    [Theory]
    [InlineData("X-Forwarded-Proto", "https", "wss")]
    [InlineData("X-Forwarded-Proto", "HTTPS, http", "wss")]
    [InlineData("X-Forwarded-Proto", "http", "ws")]
    [InlineData("Forwarded", "for=192.0.2.60;proto=https;by=203.0.113.43", "wss")]
    [InlineData("Forwarded", "proto=\"https\", proto=http", "wss")]
    [InlineData("Forwarded", "for=192.0.2.60;proto=http", "ws")]
    public async Task Unset_a_fetch_through_a_tls_terminating_proxy_streams_to_wss(string header, string value, string scheme)
    {
        await using var gateway = await GatewayHost.StartAsync(mediaPort: false);
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("acme", "support"), new AgentResource());

        var response = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"), new Dictionary<string, string> { [header] = value }, host: "voice.example.com");

        Assert.Equal($"{scheme}://voice.example.com/ws/telnyx?serviceHost=support.acme", response.StreamUrl());
    }

    [Fact]
    public async Task With_a_media_listener_a_straight_fetch_names_its_port_and_a_proxied_one_goes_back_through_the_proxy()
    {
        await using var gateway = await GatewayHost.StartAsync(mediaPort: true);
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("acme", "support"), new AgentResource());

        var straight = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"));
        var proxied = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"), new Dictionary<string, string> { ["X-Forwarded-Proto"] = "https" }, host: "voice.example.com");

        Assert.Equal($"ws://127.0.0.1:{gateway.MediaUri!.Port}/ws/telnyx?serviceHost=support.acme", straight.StreamUrl());
        Assert.Equal("wss://voice.example.com/ws/telnyx?serviceHost=support.acme", proxied.StreamUrl());
    }
}
