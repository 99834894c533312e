using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using Gateway.CallSimulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Gateway.Tests.Infrastructure;

/// <summary>
/// A bot that behaves on the wire as an unmodified Pipecat bot on Pipecat Cloud's base image does with Telnyx
/// (research notes, "The wire contract an unmodified pipecat bot expects"): it accepts <c>/ws</c> first, reads
/// <c>connected</c> and <c>start</c>, then answers with its own audio re-framed into 40 ms chunks (320 bytes of PCMU),
/// paced in real time. Here that audio is the caller's own, so the simulator can time it. It ignores <c>stop</c> and
/// never closes the socket: it only answers a close, as a Pipecat pipeline that ends when the client disconnects.
/// </summary>
public sealed class PipecatStyleBot : IAsyncDisposable
{
    /// <summary>40 ms of 8 kHz PCMU: what a Pipecat output transport writes per chunk.</summary>
    public const int ChunkBytes = 320;

    private static readonly TimeSpan ChunkInterval = TimeSpan.FromMilliseconds(40);

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _events = new();
    private readonly ConcurrentQueue<int> _chunkSizes = new();

    private PipecatStyleBot(WebApplication app) => _app = app;

    public Uri WsUri { get; private set; } = null!;

    /// <summary>What the bot saw, one line per call event: <c>start</c>, <c>stop</c>, <c>close 1000 call ended</c>.</summary>
    public IReadOnlyList<string> Events => [.. _events];

    /// <summary>The payload size of every media message the bot sent.</summary>
    public IReadOnlyList<int> ChunkSizes => [.. _chunkSizes];

    public static async Task<PipecatStyleBot> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var bot = new PipecatStyleBot(app);
        app.UseWebSockets();
        app.Map("/ws", bot.AcceptAsync);
        await app.StartAsync();
        bot.WsUri = new Uri($"ws://{new Uri(app.Urls.First()).Authority}/ws");
        return bot;
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
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }

        // pipecat-base accepts before it looks at anything else.
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var chunks = new ConcurrentQueue<byte[]>();
        using var sendLock = new SemaphoreSlim(1, 1);
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(_app.Lifetime.ApplicationStopping);
        var sender = SendChunksAsync(socket, sendLock, chunks, ended.Token);
        try
        {
            await ReceiveAsync(socket, sendLock, chunks);
        }
        finally
        {
            await ended.CancelAsync();
            await sender;
        }
    }

    private async Task ReceiveAsync(WebSocket socket, SemaphoreSlim sendLock, ConcurrentQueue<byte[]> chunks)
    {
        var buffer = new byte[64 * 1024];
        var pending = new List<byte>();
        while (true)
        {
            var length = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                length += result.Count;
            }
            while (!result.EndOfMessage);

            if (result.MessageType == WebSocketMessageType.Close)
            {
                _events.Enqueue($"close {(int?)socket.CloseStatus} {socket.CloseStatusDescription}");
                await sendLock.WaitAsync();
                try
                {
                    await socket.CloseOutputAsync(socket.CloseStatus ?? WebSocketCloseStatus.Empty, socket.CloseStatusDescription, CancellationToken.None);
                }
                finally
                {
                    sendLock.Release();
                }

                return;
            }

            using var frame = JsonDocument.Parse(buffer.AsMemory(0, length));
            var eventName = frame.RootElement.GetProperty("event").GetString();
            switch (eventName)
            {
                case "start":
                    // The serializer's own detection of Telnyx: a stream id and the call's call_control_id.
                    _ = frame.RootElement.GetProperty("stream_id").GetString();
                    _ = frame.RootElement.GetProperty("start").GetProperty("call_control_id").GetString();
                    _events.Enqueue("start");
                    break;
                case "media":
                    pending.AddRange(frame.RootElement.GetProperty("media").GetProperty("payload").GetBytesFromBase64());
                    while (pending.Count >= ChunkBytes)
                    {
                        chunks.Enqueue([.. pending.GetRange(0, ChunkBytes)]);
                        pending.RemoveRange(0, ChunkBytes);
                    }

                    break;
                case "stop":
                    // Pipecat's Telnyx serializer turns stop into nothing the pipeline acts on: the socket stays open.
                    _events.Enqueue("stop");
                    break;
            }
        }
    }

    /// <summary>
    /// One chunk per 40 ms of real time, as an output transport paces audio: a tick that came late (a busy machine)
    /// sends every chunk that was due by then, so the bot never falls behind the call.
    /// </summary>
    private async Task SendChunksAsync(WebSocket socket, SemaphoreSlim sendLock, ConcurrentQueue<byte[]> chunks, CancellationToken ended)
    {
        using var timer = new PeriodicTimer(ChunkInterval);
        var started = TimeProvider.System.GetTimestamp();
        var sent = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(ended))
            {
                var due = (long)(TimeProvider.System.GetElapsedTime(started) / ChunkInterval);
                while (sent < due && chunks.TryDequeue(out var chunk))
                {
                    await sendLock.WaitAsync(ended);
                    try
                    {
                        if (socket.State != WebSocketState.Open)
                        {
                            return;
                        }

                        _chunkSizes.Enqueue(chunk.Length);
                        await socket.SendAsync(TelnyxFrames.BotMedia(chunk), WebSocketMessageType.Text, endOfMessage: true, ended);
                        sent++;
                    }
                    finally
                    {
                        sendLock.Release();
                    }
                }

                // Time with nothing to send is not owed later: the next chunk goes out at the next tick.
                sent = Math.Max(sent, due);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
        {
            // The call is over.
        }
    }
}
