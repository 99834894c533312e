using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// Bot containers that follow Pipecat Cloud's base-image contract (a WebSocket at <c>/ws</c> reading
/// <c>X-Daily-Session-Id</c> and <c>?body=</c>), on real Kestrel. Every connection becomes a <see cref="BotCall"/>
/// the test drives.
/// </summary>
public sealed class BotServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<BotCall> _calls = Channel.CreateUnbounded<BotCall>();
    private int _open;
    private int _total;
    private int _upgrades;

    private BotServer(WebApplication app) => _app = app;

    public Uri WsUri { get; private set; } = null!;

    /// <summary>Connections ever accepted.</summary>
    public int TotalConnections => Volatile.Read(ref _total);

    /// <summary>Connections whose WebSocket has not ended yet.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Upgrade requests received, whether answered yet or not.</summary>
    public int UpgradeRequests => Volatile.Read(ref _upgrades);

    /// <summary>How long the bot holds an upgrade request before its 101, as a container still starting up does.</summary>
    public TimeSpan UpgradeDelay { get; set; } = TimeSpan.Zero;

    public static async Task<BotServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new BotServer(app);
        app.UseWebSockets();
        app.Map("/ws", server.AcceptAsync);
        await app.StartAsync();
        server.WsUri = new Uri($"ws://{new Uri(app.Urls.First()).Authority}/ws");
        return server;
    }

    /// <summary>The next call that reached this bot.</summary>
    public async Task<BotCall> NextCallAsync(CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Wait.Timeout);
        return await _calls.Reader.ReadAsync(timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task AcceptAsync(HttpContext context)
    {
        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.StatusCode = 400;
            return;
        }

        Interlocked.Increment(ref _upgrades);
        if (UpgradeDelay > TimeSpan.Zero)
        {
            using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _app.Lifetime.ApplicationStopping);
            try
            {
                await Task.Delay(UpgradeDelay, gone.Token);
            }
            catch (OperationCanceledException)
            {
                // The gateway gave up on the upgrade, or the test is over.
                return;
            }
        }

        var socket = await context.WebSockets.AcceptWebSocketAsync();
        Interlocked.Increment(ref _total);
        Interlocked.Increment(ref _open);
        try
        {
            var call = new BotCall(socket, context.Request);
            _calls.Writer.TryWrite(call);
            await call.ReadUntilClosedAsync();
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }
}
