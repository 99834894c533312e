using Gateway.Core;

namespace Gateway.Tests.Relay;

/// <summary>
/// Composing and writing an HTTP head (the bot's upgrade request, the media listener's answers): its bytes, and the one
/// builder per thread reused from head to head.
/// </summary>
public sealed class HttpHeadTests
{
    [Fact]
    public async Task A_written_head_is_its_ascii_bytes_and_its_builder_is_handed_out_again_cleared()
    {
        var head = HttpHead.Compose().Append("HTTP/1.1 101 Switching Protocols\r\n").Append("Upgrade: websocket\r\n\r\n");
        var written = new MemoryStream();

        // The builder is taken back before the write is awaited, on the composing thread.
        var writing = HttpHead.WriteAsync(written, head, CancellationToken.None);
        var next = HttpHead.Compose();
        await writing;

        Assert.Equal("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"u8.ToArray(), written.ToArray());
        Assert.Same(head, next);
        Assert.Equal(0, next.Length);
    }

    [Fact]
    public async Task Two_heads_composed_at_once_get_two_builders()
    {
        // A write first, so this thread has a builder kept: the first head takes it, the second must not.
        var writing = HttpHead.WriteAsync(new MemoryStream(), HttpHead.Compose().Append("\r\n"), CancellationToken.None);
        var first = HttpHead.Compose();
        var second = HttpHead.Compose();
        await writing;

        Assert.NotSame(first, second);
    }

    [Fact]
    public async Task A_builder_grown_past_2_KiB_is_not_kept()
    {
        var head = HttpHead.Compose().Append('x', 3000).Append("\r\n\r\n");
        var written = new MemoryStream();

        var writing = HttpHead.WriteAsync(written, head, CancellationToken.None);
        var next = HttpHead.Compose();
        await writing;

        Assert.Equal(3004, written.Length);
        Assert.NotSame(head, next);
        Assert.True(next.Capacity <= 2048);
    }
}
