using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;

namespace Gateway.CallSimulator;

/// <summary>
/// One call of <see cref="CallRunner"/>: connected, start, a media frame every 20 ms with a DTMF key press half-way,
/// then stop. Everything that comes back is counted by event and the echoes are timed, into a <see cref="CallRecorder"/>;
/// with a trace, every frame is narrated as it goes out or comes in.
/// </summary>
internal sealed class RecordedCall(
    CallRecorder recorder,
    CallOptions options,
    TimeProvider timeProvider,
    Action<string>? trace) : SimulatedCall(timeProvider)
{
    protected override TimeSpan CloseTimeout => options.CloseTimeout;

    protected override bool ClosesAfterStop => options.CloseAfterStop;

    public Task RunAsync(CancellationToken cancellationToken) => RunAsync(options.Url, options.Headers, cancellationToken);

    protected override void Connected(TimeSpan setupTime) => recorder.Connected(setupTime);

    protected override void Refused(HttpStatusCode? status, string reason) => recorder.Refused(status, reason);

    protected override void Fail(string reason) => recorder.Fail(reason);

    protected override async Task SendFramesAsync(TelnyxCallClient client, CancellationToken token)
    {
        var call = recorder.Call;
        await SendAsync(client, TelnyxFrames.Connected(), "connected", token);
        await SendAsync(
            client,
            TelnyxFrames.Start(call),
            $"start stream_id={call.StreamId} call_control_id={call.CallControlId}",
            token);

        // connected carries no sequence number and start is "1"; every later frame takes the next one.
        var sequenceNumber = 2;
        // One frame buffer and one audio buffer for the whole call: building a media frame allocates nothing.
        using var media = new MediaFrameWriter(call, TelnyxFrames.SilenceFrameLength);
        var audio = TelnyxFrames.MarkedFrame(0);
        using var timer = new PeriodicTimer(CallRunner.FrameInterval, Time);
        for (var index = 0; index < recorder.MediaFrames; index++)
        {
            await timer.WaitForNextTickAsync(token);
            TelnyxFrames.StampMarker(audio, index);
            var frame = media.WriteAt(sequenceNumber++, index, audio);
            // Narrate before sending: the echo can arrive before SendTextAsync returns.
            if (trace is not null)
            {
                Trace($"→ media #{index}");
            }

            recorder.MediaSent(index, Time.GetTimestamp());
            await client.SendTextAsync(frame, token);

            if (index == recorder.MediaFrames / 2)
            {
                var dtmf = TelnyxFrames.Dtmf(call, sequenceNumber++, options.DtmfDigit, Time.GetUtcNow());
                await SendAsync(client, dtmf, $"dtmf {options.DtmfDigit}", token);
            }
        }

        await SendAsync(client, TelnyxFrames.Stop(call, sequenceNumber), "stop", token);
    }

    protected override void CloseReceived(ReceivedFrame close)
    {
        recorder.Closed(close.CloseStatus, close.CloseDescription);
        Trace($"← close {CallRunner.CloseText(close.CloseStatus, close.CloseDescription)}");
    }

    protected override void FrameReceived(ReceivedFrame frame)
    {
        if (frame.Type == WebSocketMessageType.Binary)
        {
            recorder.FrameReceived("(binary)");
            Trace($"← binary {frame.Payload.Length} bytes");
            return;
        }

        var receivedAt = Time.GetTimestamp();
        try
        {
            using var document = JsonDocument.Parse(frame.Payload);
            var root = document.RootElement;
            var eventName = root.ValueKind == JsonValueKind.Object
                && root.TryGetProperty("event", out var value)
                && value.ValueKind == JsonValueKind.String
                    ? value.GetString() ?? "(no event)"
                    : "(no event)";
            recorder.FrameReceived(eventName);
            var detail = eventName switch
            {
                "media" => ObserveMedia(root, receivedAt),
                "mark" => root.TryGetProperty("mark", out var mark) && mark.ValueKind == JsonValueKind.Object
                    && mark.TryGetProperty("name", out var name) ? $" {name}" : string.Empty,
                _ => string.Empty,
            };
            if (trace is not null)
            {
                Trace($"← {eventName}{detail}");
            }
        }
        catch (JsonException)
        {
            recorder.FrameReceived("(not json)");
            Trace($"← text that is not JSON, {frame.Payload.Length} bytes");
        }
    }

    private async Task SendAsync(TelnyxCallClient client, byte[] frame, string description, CancellationToken token)
    {
        Trace($"→ {description}");
        await client.SendTextAsync(frame, token);
        recorder.FrameSent();
    }

    private string ObserveMedia(JsonElement root, long receivedAt)
    {
        if (!root.TryGetProperty("media", out var media)
            || media.ValueKind != JsonValueKind.Object
            || !media.TryGetProperty("payload", out var payload)
            || payload.ValueKind != JsonValueKind.String
            || !payload.TryGetBytesFromBase64(out var audio))
        {
            return " without a base64 payload";
        }

        // A reply may carry several frames' audio (a bot re-framing in 40 ms chunks): each marker found is one echo.
        Span<int> indexes = stackalloc int[Math.Max(1, audio.Length / TelnyxFrames.SilenceFrameLength) + 1];
        var found = TelnyxFrames.FindMarkers(audio, indexes);
        var echoes = trace is null ? null : new List<string>(found);
        foreach (var index in indexes[..found])
        {
            if (recorder.MediaSentAt(index) is { } sentAt)
            {
                var roundTrip = Time.GetElapsedTime(sentAt, receivedAt);
                recorder.RoundTrip(roundTrip);
                echoes?.Add(string.Create(CultureInfo.InvariantCulture, $"#{index}, {roundTrip.TotalMilliseconds:0.0} ms"));
            }
        }

        if (echoes is null)
        {
            return string.Empty;
        }

        return echoes.Count == 0 ? $" {audio.Length} bytes" : $" {audio.Length} bytes (echo of {string.Join("; ", echoes)})";
    }

    private void Trace(string line) => trace?.Invoke(line);
}
