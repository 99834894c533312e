using System.Net.WebSockets;
using Gateway.Core;

namespace Gateway.Relay;

/// <summary>
/// Relays one call's frames between Telnyx (the caller leg) and the bot, verbatim and in order, until either side ends
/// it; then ends the other side the same way.
/// </summary>
/// <remarks>
/// Each direction is one loop that reads whatever bytes its source has sent and writes them on to the other leg as
/// they are: it parses only frame headers (2 to 14 bytes), to keep message boundaries and the per-leg message limit,
/// to see control frames, and to know where the gateway may put a frame of its own (a close on drain, 1011 when a
/// side vanishes, 1009, a keep-alive ping). A caller's frames are masked, as a client's must be, and so valid toward
/// the bot, whose client the gateway is; the bot's are unmasked, as a server's, and so valid toward Telnyx. Payloads
/// are never unmasked, copied into messages or re-framed. There is no queue: a loop writes before it reads again, so
/// a slow reader slows its writer (backpressure through TCP) and a bot's <c>clear</c> never waits behind media the
/// gateway holds. Pings and pongs pass through; a close is forwarded as it came, so its code and reason reach the other
/// side unchanged.
/// </remarks>
public sealed class CallRelay : IDisposable
{
    private readonly LegSocket _caller;
    private readonly RelayOptions _options;
    private readonly TimeProvider _time;
    private readonly IBotReplacement? _replacement;
    private readonly CancellationTokenSource _callerGone = new();
    private volatile LegSocket _bot;
    private FramePump? _toBot;
    private int _closedByGateway;

    // 1 + the leg whose loop saw the call end first; 0 while neither has.
    private int _endedFirst;

    /// <param name="replacement">Moves the call to another bot when the bot drops; null: the call ends with it.</param>
    public CallRelay(LegSocket caller, LegSocket bot, RelayOptions options, TimeProvider time, IBotReplacement? replacement = null)
    {
        _caller = caller;
        _bot = bot;
        _options = options;
        _time = time;
        _replacement = replacement;
    }

    /// <summary>Messages relayed from Telnyx to the bot so far (the replayed connected and start frames not included).</summary>
    public RelayTraffic ToBot { get; } = new();

    /// <summary>Messages relayed from the bot to Telnyx so far.</summary>
    public RelayTraffic ToCaller { get; } = new();

    /// <summary>Messages from Telnyx dropped while the call waited for another bot (stale audio).</summary>
    public RelayTraffic DroppedWhileHeld { get; } = new();

    /// <summary>The bot leg the call is relayed to now.</summary>
    public LegSocket Bot => _bot;

    internal IBotReplacement? Replacement => _replacement;

    internal CancellationToken CallerGone => _callerGone.Token;

    /// <summary>Relays until both legs are closed (or, past <see cref="RelayOptions.CloseTimeout"/>, aborted).</summary>
    public async Task<RelayOutcome> RunAsync()
    {
        using var keepAlive = _options.KeepAliveInterval > TimeSpan.Zero
            ? _time.CreateTimer(static state => ((CallRelay)state!).KeepAliveTick(), this, _options.KeepAliveInterval, _options.KeepAliveInterval)
            : null;
        _toBot = new FramePump(Leg.Caller, _caller, _bot, _options.CallerMessageMaxBytes, ToBot, this);
        var toBot = _toBot.RunAsync();
        _ = toBot.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Cancel(), _callerGone, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var toCaller = new FramePump(Leg.Bot, _bot, _caller, _options.BotMessageMaxBytes, ToCaller, this).RunAsync();
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

    /// <summary>The bot dropped and another is being connected: Telnyx's frames are dropped until <see cref="Resume"/>.</summary>
    internal void Hold() => _toBot!.Redirect(null);

    /// <summary>Relays to a new bot leg: Telnyx's frames go to it from their next frame boundary.</summary>
    internal void Resume(LegSocket bot)
    {
        _bot = bot;
        _toBot!.Redirect(bot);
    }

    /// <summary>Once <see cref="RunAsync"/> is done.</summary>
    public void Dispose() => _callerGone.Dispose();

    internal void EndedFirst(Leg leg) => Interlocked.CompareExchange(ref _endedFirst, 1 + (int)leg, 0);

    internal Task CloseLegAsync(LegSocket? socket, WebSocketCloseStatus status, string? reason) =>
        socket is null ? Task.CompletedTask : WebSocketClosing.TryCloseOutputAsync(socket, status, reason, _options.CloseTimeout, _time);

    private void KeepAliveTick()
    {
        _caller.KeepAliveTick(_time, _options.KeepAliveTimeout);
        _bot.KeepAliveTick(_time, _options.KeepAliveTimeout);
    }
}
