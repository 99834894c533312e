using System.Buffers;
using System.Net.WebSockets;
using Gateway.Core;

namespace Gateway.Relay;

/// <summary>
/// Relays one call's messages between Telnyx (the caller leg) and the bot, verbatim and in order, until either
/// side ends it; then ends the other side the same way.
/// </summary>
/// <remarks>
/// Each direction is one loop that receives a whole message into a buffer it owns for the life of the call and
/// sends it on before reading the next: there is no queue, so a slow reader slows its writer (backpressure
/// through TCP) and a bot's <c>clear</c> never waits behind media the gateway holds. Messages larger than the
/// buffer (a bot may send 30 s of audio at once) borrow a pooled buffer for that one message.
/// Close frames may be sent while the other loop is sending on the same socket: <see cref="WebSocket"/>
/// implementations built on the managed WebSocket serialize their sends.
/// </remarks>
public sealed class CallRelay
{
    private readonly WebSocket _caller;
    private readonly WebSocket _bot;
    private readonly RelayOptions _options;
    private readonly TimeProvider _time;
    private int _closedByGateway;

    // 1 + the leg whose loop saw the call end first; 0 while neither has.
    private int _endedFirst;

    public CallRelay(WebSocket caller, WebSocket bot, RelayOptions options, TimeProvider time)
    {
        _caller = caller;
        _bot = bot;
        _options = options;
        _time = time;
    }

    /// <summary>Messages relayed from Telnyx to the bot so far (the replayed connected and start frames not included).</summary>
    public RelayTraffic ToBot { get; } = new();

    /// <summary>Messages relayed from the bot to Telnyx so far.</summary>
    public RelayTraffic ToCaller { get; } = new();

    /// <summary>Relays until both legs are closed (or, past <see cref="RelayOptions.CloseTimeout"/>, aborted).</summary>
    public async Task<RelayOutcome> RunAsync()
    {
        var toBot = PumpAsync(Leg.Caller, _caller, _bot, _options.CallerMessageMaxBytes, ToBot);
        var toCaller = PumpAsync(Leg.Bot, _bot, _caller, _options.BotMessageMaxBytes, ToCaller);
        var first = await Task.WhenAny(toBot, toCaller);
        var second = first == toBot ? toCaller : toBot;

        // The other leg now has its close frame; give it a bounded time to answer before dropping both.
        using (var timeout = new CancellationTokenSource())
        {
            var delay = Task.Delay(_options.CloseTimeout, _time, timeout.Token);
            if (await Task.WhenAny(second, delay) != second)
            {
                _caller.Abort();
                _bot.Abort();
            }

            await timeout.CancelAsync();
        }

        // The loop that finished first is not always the side that ended the call: the loop that saw the end is still
        // sending its close on when the other loop, handed the answer to that close, may already be done.
        var callerEnd = await toBot;
        var botEnd = await toCaller;
        var firstEnd = Volatile.Read(ref _endedFirst) == 1 + (int)Leg.Bot ? botEnd : callerEnd;
        var end = Volatile.Read(ref _closedByGateway) == 1 ? CallEnd.GatewayClosed : firstEnd.End;
        return new RelayOutcome(end, firstEnd.CloseStatus, firstEnd.CloseDescription, ToBot.Frames, ToBot.Bytes, ToCaller.Frames, ToCaller.Bytes);
    }

    /// <summary>Closes both legs with one code and reason (drain: 1001); the relay then ends as the peers answer.</summary>
    public async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        Interlocked.Exchange(ref _closedByGateway, 1);
        await Task.WhenAll(CloseLegAsync(_caller, status, reason), CloseLegAsync(_bot, status, reason));
    }

    private async Task<PumpEnd> PumpAsync(Leg leg, WebSocket source, WebSocket destination, int maxMessageBytes, RelayTraffic traffic)
    {
        var buffer = new byte[Math.Min(_options.ReceiveBufferBytes, maxMessageBytes)];
        while (true)
        {
            byte[]? borrowed = null;
            try
            {
                var message = buffer;
                var count = 0;
                ValueWebSocketReceiveResult received;
                while (true)
                {
                    if (count == Math.Min(message.Length, maxMessageBytes))
                    {
                        if (count >= maxMessageBytes)
                        {
                            return await EndAsync(new PumpEnd(CallEnd.MessageTooBig,
                                WebSocketCloseStatus.MessageTooBig,
                                CloseCodes.Reason($"{leg.Name()} message exceeds {maxMessageBytes} bytes")));
                        }

                        var larger = ArrayPool<byte>.Shared.Rent(Math.Min(maxMessageBytes, message.Length * 2));
                        message.AsSpan(0, count).CopyTo(larger);
                        if (borrowed is not null)
                        {
                            ArrayPool<byte>.Shared.Return(borrowed);
                        }

                        borrowed = larger;
                        message = larger;
                    }

                    var room = Math.Min(message.Length, maxMessageBytes) - count;
                    try
                    {
                        received = await source.ReceiveAsync(message.AsMemory(count, room), CancellationToken.None);
                    }
                    catch (Exception e) when (WebSocketClosing.IsConnectionFailure(e))
                    {
                        return await EndAsync(new PumpEnd(leg.Lost(),
                            WebSocketCloseStatus.InternalServerError, $"{leg.Name()} connection lost"));
                    }

                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        return await EndAsync(new PumpEnd(leg.Closed(),
                            source.CloseStatus, source.CloseStatusDescription));
                    }

                    count += received.Count;
                    if (received.EndOfMessage)
                    {
                        break;
                    }
                }

                try
                {
                    await destination.SendAsync(message.AsMemory(0, count), received.MessageType, endOfMessage: true, CancellationToken.None);
                }
                catch (Exception e) when (WebSocketClosing.IsConnectionFailure(e))
                {
                    return await EndAsync(new PumpEnd(leg.Other().Lost(),
                        WebSocketCloseStatus.InternalServerError, $"{leg.Other().Name()} connection lost"));
                }

                traffic.Add(count);
            }
            finally
            {
                if (borrowed is not null)
                {
                    ArrayPool<byte>.Shared.Return(borrowed);
                }
            }
        }

        async Task<PumpEnd> EndAsync(PumpEnd end)
        {
            Interlocked.CompareExchange(ref _endedFirst, 1 + (int)leg, 0);
            var status = end.CloseStatus ?? WebSocketCloseStatus.Empty;
            if (end.End == CallEnd.MessageTooBig)
            {
                await Task.WhenAll(
                    CloseLegAsync(source, status, end.CloseDescription),
                    CloseLegAsync(destination, status, end.CloseDescription));
            }
            else if (end.End == leg.Other().Lost())
            {
                // The destination is gone: drop it so that the opposite loop, blocked reading it, ends and closes our source.
                destination.Abort();
            }
            else
            {
                // Our source closed or vanished: tell the destination (the peer's own code and reason, or 1011).
                // When the destination had closed first, this completes its close handshake.
                await CloseLegAsync(destination, status, end.CloseDescription);
            }

            return end;
        }
    }

    private Task CloseLegAsync(WebSocket socket, WebSocketCloseStatus status, string? reason) =>
        WebSocketClosing.TryCloseOutputAsync(socket, status, reason, _options.CloseTimeout, _time);

    private readonly record struct PumpEnd(CallEnd End, WebSocketCloseStatus? CloseStatus, string? CloseDescription);
}
