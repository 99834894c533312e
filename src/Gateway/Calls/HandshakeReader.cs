using System.Net.WebSockets;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Relay;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>
/// Reads a stream's <c>connected</c> and <c>start</c> within <see cref="IngressOptions.HandshakeTimeout"/>, or until the
/// drain window ends. A stream that fails (no start in time, not Telnyx's frames, too large) or is drained meanwhile is
/// closed with the specific code and reason, on the bot's leg too when it is connected, and counted.
/// </summary>
public sealed partial class HandshakeReader(
    ICallTelemetry telemetry,
    IOptions<IngressOptions> ingressOptions,
    IOptions<RelayOptions> relayOptions,
    TimeProvider time,
    ILogger<HandshakeReader> logger)
{
    private readonly IngressOptions _ingress = ingressOptions.Value;
    private readonly RelayOptions _relay = relayOptions.Value;

    /// <returns>The handshake, or null when the stream was closed instead.</returns>
    public async Task<CallerHandshake?> ReadAsync(WebSocket caller, LiveCall call, WebSocket? bot)
    {
        ArgumentNullException.ThrowIfNull(call);
        var read = CallerHandshake.ReadAsync(caller, _ingress.StartFrameMaxBytes);
        using var deadlineCancel = new CancellationTokenSource();
        var deadline = Task.Delay(_ingress.HandshakeTimeout, time, deadlineCancel.Token);
        var first = await Task.WhenAny(read, deadline, call.Drained);
        await deadlineCancel.CancelAsync();
        HandshakeResult result;
        Task closingCaller;
        if (first != read)
        {
            result = first == deadline
                ? HandshakeResult.Fail(WebSocketCloseStatus.PolicyViolation, $"no start frame within {_ingress.HandshakeTimeout.TotalSeconds:0.###} s")
                : HandshakeResult.Fail(CloseCodes.GatewayShuttingDown, CloseCodes.GatewayShuttingDownReason);
            closingCaller = CloseWhileReadingAsync(caller, read, result);
        }
        else
        {
            result = await read;
            if (result.Handshake is not null)
            {
                return result.Handshake;
            }

            closingCaller = result.CallerGone
                ? Task.CompletedTask
                : WebSocketClosing.CloseAsync(caller, result.CloseStatus, result.Reason, _relay.CloseTimeout, time);
        }

        var status = result.CallerGone ? WebSocketCloseStatus.NormalClosure : result.CloseStatus;
        var reason = result.CallerGone ? "telnyx closed before its start frame" : result.Reason;
        LogHandshakeFailed(logger, call.SessionId, (int)status, reason);

        // Both legs at once: the bot must not wait for Telnyx to answer its own close.
        var closingBot = bot is null ? Task.CompletedTask : WebSocketClosing.CloseAsync(bot, status, reason, _relay.CloseTimeout, time);
        await Task.WhenAll(closingCaller, closingBot);
        telemetry.CallEnded(call.IsDrained ? CallOutcomes.Drained : CallOutcomes.HandshakeFailed, call.Agent);
        return null;
    }

    /// <summary>Closes the caller while the handshake read is still pending: that read receives the caller's answer.</summary>
    private async Task CloseWhileReadingAsync(WebSocket caller, Task<HandshakeResult> read, HandshakeResult result)
    {
        await WebSocketClosing.TryCloseOutputAsync(caller, result.CloseStatus, result.Reason, _relay.CloseTimeout, time);
        using var closeCancel = new CancellationTokenSource();
        if (await Task.WhenAny(read, Task.Delay(_relay.CloseTimeout, time, closeCancel.Token)) != read)
        {
            caller.Abort();
        }

        await closeCancel.CancelAsync();
        (await read).Handshake?.Dispose();
    }

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "Session {SessionId}: stream closed before relaying ({CloseStatus}): {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, string sessionId, int closeStatus, string reason);
}
