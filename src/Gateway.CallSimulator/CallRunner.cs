using System.Net.WebSockets;

namespace Gateway.CallSimulator;

/// <summary>
/// Plays one call the way Telnyx does: connected, start, a media frame every 20 ms with a DTMF key press half-way,
/// then stop, and waits for the other side to close. Meanwhile it counts what comes back and times the echoes.
/// </summary>
public sealed class CallRunner(TimeProvider timeProvider, Action<string>? trace = null)
{
    /// <summary>Telnyx's packetization for 8 kHz PCMU.</summary>
    public static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(20);

    public async Task<CallReport> RunAsync(CallOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var call = TelnyxCallInfo.CreateRandom(options.CustomParameters);
        var mediaFrames = Math.Max(1, (int)Math.Round(options.Duration / FrameInterval));
        var recorder = new CallRecorder(call, mediaFrames);
        await new RecordedCall(recorder, options, timeProvider, trace).RunAsync(cancellationToken);
        return recorder.ToReport();
    }

    /// <summary>A close frame's code and reason as the simulator prints them, e.g. <c>1000 (NormalClosure) "call ended"</c>.</summary>
    public static string CloseText(WebSocketCloseStatus? status, string? description) =>
        status is { } code ? $"{(int)code} ({code}) \"{description}\"" : "without a status code";
}
