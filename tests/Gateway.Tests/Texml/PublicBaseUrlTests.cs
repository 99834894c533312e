using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;
using Gateway.Texml;

namespace Gateway.Tests.Texml;

/// <summary>Where the documents send Telnyx's stream: <c>Gateway:PublicBaseUrl</c> as wss://, or the Host Telnyx dialled.</summary>
public sealed class PublicBaseUrlTests
{
    [Theory]
    [InlineData("https://voice.example.com", "wss://voice.example.com/ws/telnyx")]
    [InlineData("https://voice.example.com/", "wss://voice.example.com/ws/telnyx")]
    [InlineData("https://voice.example.com/gw", "wss://voice.example.com/gw/ws/telnyx")]
    [InlineData("https://voice.example.com/gw/", "wss://voice.example.com/gw/ws/telnyx")]
    [InlineData("https://voice.example.com/a/b/", "wss://voice.example.com/a/b/ws/telnyx")]
    [InlineData("https://voice.example.com:8443/gw", "wss://voice.example.com:8443/gw/ws/telnyx")]
    [InlineData("https://voice.example.com:443/", "wss://voice.example.com/ws/telnyx")]
    [InlineData("http://voice.example.com", "wss://voice.example.com/ws/telnyx")]
    [InlineData("http://voice.example.com:8080", "wss://voice.example.com:8080/ws/telnyx")]
    [InlineData("wss://voice.example.com:9443", "wss://voice.example.com:9443/ws/telnyx")]
    [InlineData("ws://voice.example.com", "wss://voice.example.com/ws/telnyx")]
    [InlineData("https://VOICE.Example.com", "wss://voice.example.com/ws/telnyx")]
    [InlineData("https://[2001:db8::1]:8443/", "wss://[2001:db8::1]:8443/ws/telnyx")]
    [InlineData("https://bücher.example", "wss://xn--bcher-kva.example/ws/telnyx")]
    public void A_configured_base_becomes_a_wss_stream_url(string configured, string expected)
    {
        Assert.Null(StreamUrls.Problem(new Uri(configured)));
        Assert.Equal(expected, StreamUrls.FromPublicBaseUrl(new Uri(configured)));
    }

    [Fact]
    public async Task A_configured_base_with_port_and_path_prefix_is_the_documents_stream_host()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:PublicBaseUrl"] = "https://voice.example.com:8443/gw/" });
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("acme", "support"), new AgentResource());

        var response = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"), host: "ignored.example.org");

        Assert.Equal("wss://voice.example.com:8443/gw/ws/telnyx?serviceHost=support.acme", response.StreamUrl());
    }

    [Fact]
    public async Task Unset_the_request_Host_is_the_stream_host()
    {
        await using var gateway = await GatewayHost.StartAsync();
        await TexmlDocumentTests.PutAsync(gateway, new AgentKey("acme", "support"), new AgentResource());

        var viaName = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"), host: "calls.example.org:9443");
        var direct = await TexmlClient.GetAsync(gateway.HttpUri("/texml/acme/support"));

        Assert.Equal("wss://calls.example.org:9443/ws/telnyx?serviceHost=support.acme", viaName.StreamUrl());
        Assert.Equal($"wss://{gateway.BaseUri.Authority}/ws/telnyx?serviceHost=support.acme", direct.StreamUrl());
    }
}
