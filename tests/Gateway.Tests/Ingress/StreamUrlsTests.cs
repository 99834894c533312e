using Gateway.Ingress;

namespace Gateway.Tests.Ingress;

/// <summary>The stream URL, the ingress's contract with Telnyx: <c>Gateway:PublicBaseUrl</c> as wss://.</summary>
public sealed class StreamUrlsTests
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

    [Theory]
    [InlineData("gw.example.com:8080", "ws://gw.example.com:8081/ws/telnyx")]
    [InlineData("gw.example.com", "ws://gw.example.com:8081/ws/telnyx")]
    [InlineData("[::1]:8080", "ws://[::1]:8081/ws/telnyx")]
    public void With_a_media_listener_a_straight_fetch_streams_to_its_port_as_ws(string host, string expected)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Host = new Microsoft.AspNetCore.Http.HostString(host);

        Assert.Equal(expected, StreamUrls.FromFetch(context.Request, mediaPort: 8081));
    }

    [Theory]
    [InlineData("X-Forwarded-Proto", "https", "wss://voice.example.com/ws/telnyx")]
    [InlineData("X-Forwarded-Proto", "http", "ws://voice.example.com/ws/telnyx")]
    [InlineData("Forwarded", "for=192.0.2.60;proto=https", "wss://voice.example.com/ws/telnyx")]
    public void With_a_media_listener_a_fetch_through_a_proxy_streams_through_the_proxy(string header, string value, string expected)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Host = new Microsoft.AspNetCore.Http.HostString("voice.example.com");
        context.Request.Headers[header] = value;

        Assert.Equal(expected, StreamUrls.FromFetch(context.Request, mediaPort: 8081));
    }

    [Fact]
    public void With_a_media_listener_a_fetch_over_tls_streams_over_tls_to_the_same_port()
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        context.Request.Host = new Microsoft.AspNetCore.Http.HostString("voice.example.com:8443");
        context.Request.IsHttps = true;

        Assert.Equal("wss://voice.example.com:8443/ws/telnyx", StreamUrls.FromFetch(context.Request, mediaPort: 8081));
    }
}
