using System.Net.WebSockets;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Relay;
using Gateway.Sessions;
using Microsoft.Extensions.Logging;

namespace Gateway.Calls;

/// <summary>
/// One call's continuity when its agent asks for it: when the bot drops mid-call (its connection lost, or a close code
/// the agent lists) while Telnyx is still there, the caller hears hold audio while the gateway releases the lost claim,
/// claims another instance (a different one when one has room), opens a bot hop with the same body and session id and
/// <c>X-Gateway-Reconnect</c>, replays <c>connected</c> and <c>start</c> byte for byte, sends Telnyx a <c>clear</c>, and
/// relays again. Past the agent's attempts or time window, the call ends as it would without this.
/// </summary>
public sealed partial class BotFailover : IBotReplacement, IDisposable
{
    private readonly BotFailovers _shared;
    private readonly LiveCall _call;
    private readonly RegisteredAgent _agent;
    private readonly ReconnectPolicy _policy;
    private readonly SessionBody? _body;
    private readonly byte[] _connected;
    private readonly byte[] _start;
    private readonly Task<byte[][]?> _holdFrames;
    private readonly StartFrame _startFrame;
    private readonly LegSocket _caller;
    private readonly List<BotLeg> _opened = [];
    private BotLeg _current;
    private CallSession _session;
    private long _firstDrop;

    internal BotFailover(BotFailovers shared, LiveCall call, RegisteredAgent agent, SessionBody? body, CallerHandshake handshake, LegSocket caller, BotLeg bot, CallSession session)
    {
        _shared = shared;
        _call = call;
        _agent = agent;
        _policy = agent.Resource.Continuity!.Reconnect!;
        _body = body;
        _connected = handshake.Connected.ToArray();
        _start = handshake.StartBytes.ToArray();
        _startFrame = handshake.Start;

        // Asked for now, so that a clip not read on this replica yet is read while the call goes on, not once it drops.
        _holdFrames = shared.HoldClips.ForCallAsync(agent, handshake.Start.Encoding, handshake.Start.SampleRate);
        _caller = caller;
        _current = bot;
        _session = session;
    }

    /// <summary>Reconnects made so far.</summary>
    public int Reconnects { get; private set; }

    /// <summary>The session record as it stands (its instance moves with the call).</summary>
    public CallSession Session => _session;

    public async Task<LegSocket?> ReplaceAsync(LegSocket dropped, WebSocketCloseStatus? closeStatus, CancellationToken callerGone)
    {
        ArgumentNullException.ThrowIfNull(dropped);
        if (closeStatus is { } status && !_policy.On.Contains((int)status))
        {
            return null;
        }

        var time = _shared.Time;
        _firstDrop = _firstDrop == 0 ? time.GetTimestamp() : _firstDrop;
        var left = TimeSpan.FromSeconds(_policy.WithinSeconds) - time.GetElapsedTime(_firstDrop);
        if (Reconnects >= _policy.Attempts || left <= TimeSpan.Zero || _call.IsDrained)
        {
            return GaveUp();
        }

        var attempt = Reconnects + 1;
        LogBotDropped(_shared.Logger, _call.SessionId, _current.Claim.Instance.Id, closeStatus is null ? "lost" : ((int)closeStatus).ToString(System.Globalization.CultureInfo.InvariantCulture), attempt);
        await using var hold = HoldPlayer.Start(_caller, await HoldClipFrames.WithinReadWaitAsync(_holdFrames, _startFrame.Encoding, _startFrame.SampleRate, time), time);
        await ReleaseAsync(dropped, closeStatus);
        using var window = new CancellationTokenSource(left, time);
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(window.Token, callerGone);
        var admission = await _shared.Admission.ReconnectAsync(_agent, _call.SessionId, _body, _current.Claim.Instance.Id, attempt, giveUp.Token);
        if (admission.Bot is not { } bot)
        {
            return Failed(admission.Refusal?.Code ?? StreamRefusals.BotUnreachableCode);
        }

        _opened.Add(bot);
        if (_call.IsDrained)
        {
            // The drain window ended meanwhile: Telnyx has its 1001 already, the new bot gets one too.
            await WebSocketClosing.CloseAsync(bot.Socket, CloseCodes.GatewayShuttingDown, CloseCodes.GatewayShuttingDownReason, _shared.CloseTimeout, time);
            await _shared.Claims.ReleaseAsync(bot.Claim);
            return GaveUp();
        }

        try
        {
            // Pipecat reads the first two text frames to detect Telnyx: they go first, byte for byte, as to the first bot.
            if (_connected.Length > 0)
            {
                await bot.Socket.SendAsync(_connected, WebSocketMessageType.Text, endOfMessage: true, giveUp.Token);
            }

            await bot.Socket.SendAsync(_start, WebSocketMessageType.Text, endOfMessage: true, giveUp.Token);
            await hold.DisposeAsync();
            await _caller.SendAsync(HoldAudio.Clear, WebSocketMessageType.Text, endOfMessage: true, callerGone);
        }
        catch (Exception e) when (WebSocketClosing.IsConnectionFailure(e))
        {
            await _shared.Claims.ReleaseAsync(bot.Claim);
            return Failed(callerGone.IsCancellationRequested ? "caller_gone" : e.Message);
        }

        Reconnects = attempt;
        _current = bot;
        _call.Admitted(bot.Claim);
        _session = _session with { InstanceId = bot.Claim.Instance.Id, Reconnects = attempt };
        _call.Relaying(_session);
        _ = _shared.Sessions.AddAsync(_session);
        _shared.Telemetry.CallReconnected(_agent.Key, ReconnectResults.Reconnected);
        LogReconnected(_shared.Logger, _call.SessionId, bot.Claim.Instance.Id, attempt, hold.FramesSent);
        return bot.Socket;
    }

    /// <summary>Closes the bot legs this call opened after its first (the first is its handler's to close).</summary>
    public void Dispose()
    {
        foreach (var bot in _opened)
        {
            bot.Dispose();
        }
    }

    /// <summary>The dropped bot's claim goes back (its instance may take the call again); its leg is closed.</summary>
    private async Task ReleaseAsync(LegSocket dropped, WebSocketCloseStatus? closeStatus)
    {
        if (closeStatus is { } status)
        {
            await WebSocketClosing.TryCloseOutputAsync(dropped, status, null, _shared.CloseTimeout, _shared.Time);
        }

        dropped.Abort();
        await _shared.Claims.ReleaseAsync(_current.Claim);
    }

    private LegSocket? GaveUp()
    {
        LogGaveUp(_shared.Logger, _call.SessionId, Reconnects, _policy.Attempts, _policy.WithinSeconds);
        _shared.Telemetry.CallReconnected(_agent.Key, ReconnectResults.GaveUp);
        return null;
    }

    private LegSocket? Failed(string reason)
    {
        LogFailed(_shared.Logger, _call.SessionId, reason);
        _shared.Telemetry.CallReconnected(_agent.Key, ReconnectResults.Failed);
        return null;
    }

    [LoggerMessage(EventId = 1006, Level = LogLevel.Warning, Message = "Session {SessionId}: bot on instance {InstanceId} dropped ({Close}); holding the caller, reconnect {Attempt}")]
    private static partial void LogBotDropped(ILogger logger, string sessionId, string instanceId, string close, int attempt);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Information, Message = "Session {SessionId}: reconnected to instance {InstanceId} (reconnect {Attempt}) after {HoldFrames} hold frames")]
    private static partial void LogReconnected(ILogger logger, string sessionId, string instanceId, int attempt, int holdFrames);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "Session {SessionId}: no bot took the call over: {Reason}")]
    private static partial void LogFailed(ILogger logger, string sessionId, string reason);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "Session {SessionId}: not reconnecting after {Reconnects} of {Attempts} reconnects within {WithinSeconds} s")]
    private static partial void LogGaveUp(ILogger logger, string sessionId, int reconnects, int attempts, int withinSeconds);
}
