using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Texml;

/// <summary>Where the documents send Telnyx's stream: <c>Gateway:PublicBaseUrl</c> as wss://, or the Host Telnyx dialled.</summary>
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
