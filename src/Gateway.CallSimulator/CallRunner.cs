using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;

namespace Gateway.CallSimulator;

/// <summary>
/// Plays one call the way Telnyx does: connected, start, a media frame every 20 ms with a DTMF key press half-way,
/// then stop, and waits for the other side to close. Meanwhile it counts what comes back and times the echoes.
/// </summary>
public sealed class CallRunner(TimeProvider timeProvider, Action<string>? trace = null)
{
    /// <summary>Telnyx's packetization for 8 kHz PCMU.</summary>
    public static readonly TimeSpan FrameInterval = TimeSpan.FromMilliseconds(20);

    private static readonly TimeSpan OwnCloseTimeout = TimeSpan.FromSeconds(1);

    public async Task<CallReport> RunAsync(CallOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var call = TelnyxCallInfo.CreateRandom(options.CustomParameters);
        var mediaFrames = Math.Max(1, (int)Math.Round(options.Duration / FrameInterval));
        var recorder = new CallRecorder(call, mediaFrames);

        var connectStarted = timeProvider.GetTimestamp();
        TelnyxCallClient client;
        try
        {
            client = await TelnyxCallClient.ConnectAsync(options.Url, cancellationToken, options.Headers);
        }
        catch (WebSocketException exception)
        {
            var status = TelnyxCallClient.RefusedStatusCode(exception);
            recorder.Refused(status, status is { } code
                ? $"upgrade refused: HTTP {(int)code} ({code})"
                : $"connect failed: {exception.Message.TrimEnd('.')}");
            return recorder.ToReport();
        }
        catch (OperationCanceledException)
        {
            recorder.Fail("cancelled before the stream was connected");
            return recorder.ToReport();
        }

        await using (client)
        {
            recorder.Connected(timeProvider.GetElapsedTime(connectStarted));
            using var receiverDone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var receiver = ReceiveUntilClosedAsync(client, recorder, receiverDone, cancellationToken);
            try
            {
                await StreamAsync(client, recorder, options, receiverDone.Token);
                await AwaitCloseAsync(client, recorder, receiver, options.CloseTimeout, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                recorder.Fail("cancelled");
                client.Abort();
            }
            catch (Exception exception) when (receiverDone.IsCancellationRequested
                && exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
            {
                // The receiver has stopped, so the other side closed or vanished mid-call; the receiver says which.
                recorder.Fail("the other side ended the stream before the call was over");
            }
            catch (WebSocketException exception)
            {
                recorder.Fail($"send failed: {exception.Message.TrimEnd('.')}");
                client.Abort();
            }

            await receiver;
        }

        return recorder.ToReport();
    }

    private async Task StreamAsync(TelnyxCallClient client, CallRecorder recorder, CallOptions options, CancellationToken token)
    {
        var call = recorder.Call;
        await SendAsync(client, recorder, TelnyxFrames.Connected(), "connected", token);
        await SendAsync(
            client,
            recorder,
            TelnyxFrames.Start(call),
            $"start stream_id={call.StreamId} call_control_id={call.CallControlId}",
            token);

        // connected carries no sequence number and start is "1"; every later frame takes the next one.
        var sequenceNumber = 2;
        // One frame buffer and one audio buffer for the whole call: building a media frame allocates nothing.
        using var media = new MediaFrameWriter(call, TelnyxFrames.SilenceFrameLength);
        var audio = TelnyxFrames.SilenceFrame(0);
        using var timer = new PeriodicTimer(FrameInterval, timeProvider);
        for (var index = 0; index < recorder.MediaFrames; index++)
        {
            await timer.WaitForNextTickAsync(token);
            TelnyxFrames.StampSilenceIndex(audio, index);
            var frame = media.WriteAt(sequenceNumber++, index, audio);
            // Narrate before sending: the echo can arrive before SendTextAsync returns.
            if (trace is not null)
            {
                Trace($"→ media #{index}");
            }

            recorder.MediaSent(index, timeProvider.GetTimestamp());
            await client.SendTextAsync(frame, token);

            if (index == recorder.MediaFrames / 2)
            {
                var dtmf = TelnyxFrames.Dtmf(call, sequenceNumber++, options.DtmfDigit, timeProvider.GetUtcNow());
                await SendAsync(client, recorder, dtmf, $"dtmf {options.DtmfDigit}", token);
            }
        }

        await SendAsync(client, recorder, TelnyxFrames.Stop(call, sequenceNumber), "stop", token);
    }

    private async Task SendAsync(TelnyxCallClient client, CallRecorder recorder, byte[] frame, string description, CancellationToken token)
    {
        Trace($"→ {description}");
        await client.SendTextAsync(frame, token);
        recorder.FrameSent();
    }

    /// <summary>After stop, the other side should end the stream; if it does not, the call closes it itself.</summary>
    private async Task AwaitCloseAsync(
        TelnyxCallClient client,
        CallRecorder recorder,
        Task receiver,
        TimeSpan closeTimeout,
        CancellationToken cancellationToken)
    {
        try
        {
            await receiver.WaitAsync(closeTimeout, timeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            recorder.Fail($"no close from the other side within {closeTimeout.TotalSeconds:0.#} s of the stop frame");
            using var ownClose = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            ownClose.CancelAfter(OwnCloseTimeout);
            try
            {
                await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "call ended", ownClose.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or WebSocketException)
            {
                client.Abort();
            }
        }
    }

    private async Task ReceiveUntilClosedAsync(
        TelnyxCallClient client,
        CallRecorder recorder,
        CancellationTokenSource receiverDone,
        CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var frame = await client.ReceiveAsync(cancellationToken);
                if (frame.IsClose)
                {
                    recorder.Closed(frame.CloseStatus, frame.CloseDescription);
                    Trace($"← close {CloseText(frame.CloseStatus, frame.CloseDescription)}");
                    await client.AnswerCloseAsync(frame, cancellationToken);
                    return;
                }

                Observe(frame, recorder);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            recorder.Fail("cancelled");
        }
        catch (WebSocketException exception)
        {
            recorder.Fail($"connection lost without a close frame: {exception.Message.TrimEnd('.')}");
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            // This side aborted the connection, and has already recorded why.
            recorder.Fail("connection aborted");
        }
        finally
        {
            await receiverDone.CancelAsync();
        }
    }

    private void Observe(ReceivedFrame frame, CallRecorder recorder)
    {
        if (frame.Type == WebSocketMessageType.Binary)
        {
            recorder.FrameReceived("(binary)");
            Trace($"← binary {frame.Payload.Length} bytes");
            return;
        }

        var receivedAt = timeProvider.GetTimestamp();
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
                "media" => ObserveMedia(root, receivedAt, recorder),
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

    private string ObserveMedia(JsonElement root, long receivedAt, CallRecorder recorder)
    {
        if (!root.TryGetProperty("media", out var media)
            || media.ValueKind != JsonValueKind.Object
            || !media.TryGetProperty("payload", out var payload)
            || payload.ValueKind != JsonValueKind.String
            || !payload.TryGetBytesFromBase64(out var audio))
        {
            return " without a base64 payload";
        }

        if (TelnyxFrames.TryReadSilenceIndex(audio, out var index) && recorder.MediaSentAt(index) is { } sentAt)
        {
            var roundTrip = timeProvider.GetElapsedTime(sentAt, receivedAt);
            recorder.RoundTrip(roundTrip);
            return trace is null
                ? string.Empty
                : string.Create(CultureInfo.InvariantCulture, $" {audio.Length} bytes (echo of #{index}, {roundTrip.TotalMilliseconds:0.0} ms)");
        }

        return trace is null ? string.Empty : $" {audio.Length} bytes";
    }

    private void Trace(string line) => trace?.Invoke(line);

    internal static string CloseText(WebSocketCloseStatus? status, string? description) =>
        status is { } code ? $"{(int)code} ({code}) \"{description}\"" : "without a status code";
}
