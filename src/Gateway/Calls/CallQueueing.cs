using System.Net.WebSockets;
using Gateway.Claims;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Relay;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>
/// The queue stage, for an agent that queues callers when none of its bots is free: the call takes a place in the
/// agent's queue (or, <c>maxLength</c> callers ahead, is refused as without one, before its 101), Telnyx gets its 101
/// and sends its handshake, and the caller hears hold audio while its frames are dropped. Each time a slot may have
/// freed (a notice from any replica, or every poll interval) the call asks for a claim; the earliest waiting callers
/// get the free slots. Admitted, the caller's reading stops at a frame boundary, the hold stops, Telnyx gets a
/// <c>clear</c>, and the call goes on to its relay, which replays <c>connected</c> and <c>start</c> to the bot. At
/// <c>maxWaitSeconds</c> the stream is closed with 1013; a caller who hangs up leaves at once; a draining replica gives
/// its callers' places back and closes them with 1013 when its window ends.
/// </summary>
public sealed partial class CallQueueing(
    IWaitingCallers waiting,
    IInstanceClaims claims,
    CallAdmission admission,
    GatewayDrain drain,
    ICallTelemetry telemetry,
    HoldClipFrames holdClips,
    IOptions<CallQueueOptions> options,
    IOptions<RelayOptions> relayOptions,
    TimeProvider time,
    ILogger<CallQueueing> logger)
{
    /// <summary>Whether the call waits rather than take <paramref name="refusal"/>: its agent queues callers, and no bot was free.</summary>
    public static bool Queues(RegisteredAgent agent, Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(refusal);
        return agent.Resource.Continuity?.Queue is { IsOn: true } && IsBusy(refusal);
    }

    /// <returns>
    /// The admitted bot; or the refusal to deliver as the stream stands (the one it came with when it could not
    /// wait); or neither, when the stream is already over (the caller hung up).
    /// </returns>
    public async Task<CallAdmission.Admission> WaitAsync(LiveCall call, CallerLeg caller, RegisteredAgent agent, SessionBody? body, Refusal busy)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(agent);
        var policy = agent.Resource.Continuity!.Queue!;
        var since = time.GetTimestamp();
        var place = await waiting.JoinAsync(agent.Key, call.SessionId, policy.MaxLength, caller.Aborted);
        if (place.Result != QueueJoin.Joined)
        {
            telemetry.CallQueued(agent.Key, place.Result == QueueJoin.Full ? QueueOutcomes.Full : QueueOutcomes.Failed, TimeSpan.Zero);
            return new(null, busy);
        }

        LogQueued(logger, call.SessionId, agent.Key, place.Waiting);
        using var wait = new Wait(this, call, caller, agent, body, policy);
        var admitted = await wait.RunAsync();
        if (admitted.Bot is null)
        {
            await waiting.LeaveAsync(agent.Key, call.SessionId);
        }

        var outcome = wait.Outcome;
        var waited = time.GetElapsedTime(since);
        telemetry.CallQueued(agent.Key, outcome, waited);
        LogWaitEnded(logger, call.SessionId, outcome, waited, wait.Dropped.Frames);
        return admitted;
    }

    private TimeProvider Time => time;

    private GatewayDrain Drain => drain;

    private IWaitingCallers Waiting => waiting;

    private CallAdmission Admission => admission;

    private CallQueueOptions Options => options.Value;

    private RelayOptions Relay => relayOptions.Value;

    private ICallTelemetry Telemetry => telemetry;

    private IInstanceClaims Claims => claims;

    private HoldClipFrames HoldClips => holdClips;

    private static bool IsBusy(Refusal refusal) => refusal.Code is StreamRefusals.AgentAtLimitCode or StreamRefusals.NoCapacityCode;

    /// <summary>One caller's wait, from its 101 to its bot or its end.</summary>
    private sealed class Wait(CallQueueing shared, LiveCall call, CallerLeg caller, RegisteredAgent agent, SessionBody? body, QueuePolicy policy) : IDisposable
    {
        private readonly CancellationTokenSource _handOver = new();

        // Cancelled at maxWaitSeconds from the join, or when the caller leaves.
        private readonly CancellationTokenSource _giveUp = new(TimeSpan.FromSeconds(policy.MaxWaitSeconds), shared.Time);

        public string Outcome { get; private set; } = QueueOutcomes.Failed;

        /// <summary>Caller frames dropped while waiting (stale audio).</summary>
        public RelayTraffic Dropped { get; } = new();

        public void Dispose()
        {
            _handOver.Dispose();
            _giveUp.Dispose();
        }

        public async Task<CallAdmission.Admission> RunAsync()
        {
            if (!await caller.AcceptAndReadHandshakeAsync(bot: null))
            {
                Outcome = QueueOutcomes.Abandoned;
                return default;
            }

            var socket = caller.Socket!;
            var start = caller.Handshake!.Start;
            var reading = socket.DropUntilHandOverAsync(Dropped, _handOver.Token);
            _ = reading.ContinueWith(static (_, state) => ((Wait)state!).CallerDone(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            CallAdmission.Admission admitted;
            var frames = await HoldClipFrames.WithinReadWaitAsync(shared.HoldClips.ForCallAsync(agent, start.Encoding, start.SampleRate), start.Encoding, start.SampleRate, shared.Time);
            await using (var hold = HoldPlayer.Start(socket, frames, shared.Time))
            {
                admitted = await UntilAdmittedAsync();

                // The reading stops at a frame boundary (at once when the caller is between frames), so that the
                // relay, or the close below, takes the leg on from a whole frame.
                await _handOver.CancelAsync();
                var end = await reading;
                if (!end.HandedOver)
                {
                    return await CallerLeftAsync(socket, end, admitted.Bot);
                }
            }

            if (admitted.Bot is not null)
            {
                try
                {
                    await socket.SendAsync(HoldAudio.Clear, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
                }
                catch (Exception e) when (WebSocketClosing.IsConnectionFailure(e))
                {
                    // The caller is gone: the relay sees it at once and ends the call the ordinary way.
                }

                Outcome = QueueOutcomes.Connected;
                return admitted;
            }

            if (call.IsDrained)
            {
                Outcome = QueueOutcomes.Drained;
                return new(null, StreamRefusals.QueueClosed());
            }

            // A refusal no wait answers (the call-control credential cannot be signed, say) ends the call with its own close.
            Outcome = admitted.Refusal is null || _giveUp.IsCancellationRequested ? QueueOutcomes.TimedOut : QueueOutcomes.Failed;
            return new(null, Outcome == QueueOutcomes.TimedOut ? StreamRefusals.QueueTimedOut(agent.Key.ServiceHost, policy.MaxWaitSeconds) : admitted.Refusal);
        }

        private void CallerDone()
        {
            try
            {
                _giveUp.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The wait is over already.
            }
        }

        /// <summary>Asks for a claim each time one may have freed, until one is admitted, the time is up, or the caller left.</summary>
        private async Task<CallAdmission.Admission> UntilAdmittedAsync()
        {
            var drainStarted = shared.Drain.Started;
            while (!_giveUp.IsCancellationRequested)
            {
                if (drainStarted.IsCompleted)
                {
                    // This replica takes no more calls: the places go to the callers behind, on the other replicas.
                    await shared.Waiting.LeaveAsync(agent.Key, call.SessionId);
                    await Task.WhenAny(call.Drained, Task.Delay(Timeout.InfiniteTimeSpan, shared.Time, _giveUp.Token));
                    return default;
                }

                var admitted = await shared.Admission.AdmitAsync(call, agent, body, _giveUp.Token);
                var unreachable = admitted.Refusal?.Code == StreamRefusals.BotUnreachableCode && !_giveUp.IsCancellationRequested;
                if (admitted.Bot is not null || admitted.Refusal is { } refusal && !IsBusy(refusal) && !unreachable)
                {
                    return admitted;
                }

                try
                {
                    // A bot that took the claim but not the connection cost the call its place: it stands last again.
                    if (unreachable)
                    {
                        await shared.Waiting.JoinAsync(agent.Key, call.SessionId, int.MaxValue, _giveUp.Token);
                    }

                    await Task.WhenAny(shared.Waiting.WaitForTurnAsync(agent.Key, shared.Options.PollInterval, _giveUp.Token), drainStarted);
                }
                catch (OperationCanceledException) when (_giveUp.IsCancellationRequested)
                {
                    break;
                }
            }

            return default;
        }

        /// <summary>The caller hung up (or broke off) while waiting: its close is answered, a bot just admitted let go.</summary>
        private async Task<CallAdmission.Admission> CallerLeftAsync(LegSocket socket, HeldLegEnd end, BotLeg? bot)
        {
            Outcome = QueueOutcomes.Abandoned;
            var relay = shared.Relay;
            if (end.CloseReceived)
            {
                await WebSocketClosing.TryCloseOutputAsync(socket, socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, null, relay.CloseTimeout, shared.Time);
            }

            shared.Telemetry.CallEnded(end.CloseReceived ? CallOutcomes.CallerClosed : CallOutcomes.CallerLost, agent.Key);
            if (bot is not null)
            {
                using (bot)
                {
                    await WebSocketClosing.CloseAsync(bot.Socket, WebSocketCloseStatus.NormalClosure, "telnyx closed", relay.CloseTimeout, shared.Time);
                }

                await shared.Claims.ReleaseAsync(bot.Claim);
            }

            return default;
        }
    }

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "Session {SessionId}: no bot of {AgentKey} free; the caller waits in its queue ({Waiting} waiting)")]
    private static partial void LogQueued(ILogger logger, string sessionId, AgentKey agentKey, long waiting);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Information, Message = "Session {SessionId}: the wait in the queue ended ({Outcome}) after {Waited}; {DroppedFrames} frames from telnyx dropped meanwhile")]
    private static partial void LogWaitEnded(ILogger logger, string sessionId, string outcome, TimeSpan waited, long droppedFrames);
}
