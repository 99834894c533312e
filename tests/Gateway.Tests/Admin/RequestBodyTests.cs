using Gateway.Core;
using Microsoft.AspNetCore.Http;

namespace Gateway.Tests.Admin;

/// <summary>
/// Core/RequestBody on its own: the cap holds where the server cannot be told (no request-size feature, as under a
/// host other than Kestrel); through Kestrel, chunked bodies over the cap are refused by the edges' own tests.
/// </summary>
public sealed class RequestBodyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(40_000)]
    public async Task A_body_up_to_the_cap_is_read_whole(int length)
    {
        var sent = Enumerable.Range(0, length).Select(i => (byte)i).ToArray();

        var read = await RequestBody.ReadAsync(Request(sent), maxBytes: 40_000, CancellationToken.None);

        Assert.Equal(sent, read);
    }

    [Theory]
    [InlineData(1001)]
    [InlineData(1_000_000)]
    public async Task A_body_over_the_cap_is_null_and_read_no_further_than_the_cap_and_one_chunk(int length)
    {
        var body = new MemoryStream(new byte[length]);

        var read = await RequestBody.ReadAsync(Request(body), maxBytes: 1000, CancellationToken.None);

        Assert.Null(read);
        Assert.True(body.Position <= 1001 + (16 * 1024), $"read {body.Position} bytes");
    }

    private static HttpRequest Request(byte[] body) => Request(new MemoryStream(body));

    private static HttpRequest Request(Stream body)
    {
        var context = new DefaultHttpContext();
        context.Request.Body = body;
        return context.Request;
    }
}
