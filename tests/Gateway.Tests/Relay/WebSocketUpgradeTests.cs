using System.Runtime.CompilerServices;
using Gateway.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Tests.Relay;

/// <summary>
/// The caller's side of an upgrade: the 101's headers, and a socket that keeps nothing of its request (on the media
/// listener the request ends when the call is handed off, and a call holds its socket for its whole life).
/// </summary>
public sealed class WebSocketUpgradeTests
{
    [Fact]
    public async Task The_101_carries_the_accept_value_and_no_subprotocol_or_extension()
    {
        var upgrade = new FakeUpgrade();
        var context = Context(upgrade, new FakeLifetime());

        using var socket = await WebSocketUpgrade.AcceptAsync(context);

        Assert.True(upgrade.Upgraded);
        Assert.Equal("Upgrade", context.Response.Headers.Connection.ToString());
        Assert.Equal("websocket", context.Response.Headers.Upgrade.ToString());
        // RFC 6455 §1.3's example key and accept value.
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", context.Response.Headers.SecWebSocketAccept.ToString());
        Assert.False(context.Response.Headers.ContainsKey("Sec-WebSocket-Protocol"));
        Assert.False(context.Response.Headers.ContainsKey("Sec-WebSocket-Extensions"));
    }

    [Fact]
    public async Task Aborting_the_socket_aborts_the_request_through_its_lifetime_feature()
    {
        var lifetime = new FakeLifetime();
        using var socket = await WebSocketUpgrade.AcceptAsync(Context(new FakeUpgrade(), lifetime));

        socket.Abort();

        Assert.Equal(1, lifetime.Aborts);
    }

    [Fact]
    public async Task The_accepted_socket_keeps_nothing_of_the_request_alive()
    {
        var (socket, request) = await AcceptAndForgetAsync();

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        Assert.False(request.TryGetTarget(out _), "the socket keeps the request's HttpContext (and with it its features) alive");
        GC.KeepAlive(socket);
        socket.Dispose();
    }

    [Fact]
    public async Task A_request_that_cannot_be_upgraded_is_refused()
    {
        var context = Context(new FakeUpgrade { IsUpgradableRequest = false }, new FakeLifetime());

        await Assert.ThrowsAsync<InvalidOperationException>(() => WebSocketUpgrade.AcceptAsync(context));
    }

    // Its own frame, so that no local of the test's own keeps the context reachable.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static async Task<(LegSocket Socket, WeakReference<HttpContext> Request)> AcceptAndForgetAsync()
    {
        var context = Context(new FakeUpgrade(), new FakeLifetime());
        var socket = await WebSocketUpgrade.AcceptAsync(context);
        return (socket, new WeakReference<HttpContext>(context));
    }

    private static DefaultHttpContext Context(FakeUpgrade upgrade, FakeLifetime lifetime)
    {
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpUpgradeFeature>(upgrade);
        context.Features.Set<IHttpRequestLifetimeFeature>(lifetime);
        context.Request.Headers.SecWebSocketKey = "dGhlIHNhbXBsZSBub25jZQ==";
        return context;
    }

    private sealed class FakeUpgrade : IHttpUpgradeFeature
    {
        public bool IsUpgradableRequest { get; init; } = true;

        public bool Upgraded { get; private set; }

        public Task<Stream> UpgradeAsync()
        {
            Upgraded = true;
            return Task.FromResult<Stream>(new MemoryStream());
        }
    }

    private sealed class FakeLifetime : IHttpRequestLifetimeFeature
    {
        public int Aborts { get; private set; }

        public CancellationToken RequestAborted { get; set; }

        public void Abort() => Aborts++;
    }
}
