using System.Security.Cryptography;
using System.Text;
using Gateway.Relay;

namespace Gateway.Tests.Relay;

/// <summary>The <c>Sec-WebSocket-Accept</c> value, computed without a string of the key and its GUID.</summary>
public sealed class WebSocketAcceptTests
{
    [Fact]
    public void The_rfc_6455_example_key_gets_its_documented_accept_value()
    {
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketAccept.For("dGhlIHNhbXBsZSBub25jZQ=="));

        Span<byte> accept = stackalloc byte[WebSocketAccept.Length];
        WebSocketAccept.Write("dGhlIHNhbXBsZSBub25jZQ==", accept);
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="u8, accept);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(4096)]
    public void A_key_of_any_length_is_hashed_whole(int length)
    {
        var key = new string('k', length);

        // The RFC's definition, spelled out with strings.
#pragma warning disable CA5350
        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
        Assert.Equal(expected, WebSocketAccept.For(key));
    }
}
