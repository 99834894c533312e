using System.Buffers.Text;
using System.Globalization;
using System.Net.WebSockets;
using Gateway.CallSimulator;

namespace Gateway.Benchmarks;

/// <summary>
/// One measured call: connect as Telnyx (<see cref="TelnyxCallClient"/>), send connected and start, then a media frame
/// every 20 ms until the common end time, then stop, and wait for the bot side to close. Every echo is matched to the
/// frame it answers by the index in its audio, so frames lost, duplicated or corrupted are counted, not guessed.
/// </summary>
internal sealed class BenchCall
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    private readonly Uri _url;
    private readonly long _endAt;
    private readonly int _payloadBytes;
    private readonly LoadCounters _counters;
    private readonly TimeProvider _time;
    private readonly TelnyxCallInfo _call;
    private readonly long[] _sentAt;
    private readonly long[] _echoAt;
    private readonly byte[] _decoded;
    private readonly byte[] _unescaped;
    private int _mediaSent;
    private int _echoes;
    private int _duplicates;
    private int _unmatched;
    private string? _error;

    public BenchCall(Uri url, long startAt, long endAt, int payloadBytes, LoadCounters counters, TimeProvider time)
    {
        _url = url;
        _endAt = endAt;
        _payloadBytes = payloadBytes;
        _counters = counters;
        _time = time;
        _call = TelnyxCallInfo.CreateRandom();
        var frameTicks = CallRunner.FrameInterval.TotalSeconds * TimeProvider.System.TimestampFrequency;
        var capacity = (int)Math.Ceiling(Math.Max(0, endAt - startAt) / frameTicks) + 2;
        _sentAt = new long[capacity];
        _echoAt = new long[capacity];
        _decoded = new byte[payloadBytes + 3];
        _unescaped = new byte[Base64.GetMaxEncodedToUtf8Length(payloadBytes) + 16];
    }

    public TimeSpan? SetupTime { get; private set; }

    public int MediaSent => Volatile.Read(ref _mediaSent);

    public int Echoes => Volatile.Read(ref _echoes);

    public int Duplicates => Volatile.Read(ref _duplicates);

    public int Unmatched => Volatile.Read(ref _unmatched);

    public string? Error => Volatile.Read(ref _error);

    public WebSocketCloseStatus? CloseStatus { get; private set; }

    /// <summary>When media frame <paramref name="index"/> went out (a timestamp), 0 if it never did.</summary>
    public long SentAt(int index) => _sentAt[index];

    /// <summary>When its echo came back, 0 if it never did.</summary>
    public long EchoAt(int index) => _echoAt[index];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var connectStarted = _time.GetTimestamp();
        TelnyxCallClient client;
        try
        {
            using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            connectTimeout.CancelAfter(ConnectTimeout);
            client = await TelnyxCallClient.ConnectAsync(_url, connectTimeout.Token);
        }
        catch (WebSocketException exception)
        {
            Fail(TelnyxCallClient.RefusedStatusCode(exception) is { } status
                ? $"upgrade refused: HTTP {(int)status} ({status})"
                : $"connect failed: {exception.Message.TrimEnd('.')}");
            return;
        }
        catch (OperationCanceledException)
        {
            Fail(cancellationToken.IsCancellationRequested
                ? "cancelled before the stream was connected"
                : $"no 101 within {ConnectTimeout.TotalSeconds:0} s");
            return;
        }

        await using (client)
        {
            SetupTime = _time.GetElapsedTime(connectStarted);
            using var receiverDone = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var receiver = ReceiveUntilClosedAsync(client, receiverDone, cancellationToken);
            try
            {
                await StreamAsync(client, receiverDone.Token);
                await receiver.WaitAsync(CloseTimeout, _time, cancellationToken);
            }
            catch (TimeoutException)
            {
                Fail($"no close from the bot side within {CloseTimeout.TotalSeconds:0} s of the stop frame");
                client.Abort();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Fail("cancelled");
                client.Abort();
            }
            catch (Exception exception) when (receiverDone.IsCancellationRequested
                && exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
            {
                Fail("the bot side ended the stream before the call was over");
            }
            catch (WebSocketException exception)
            {
                Fail($"send failed: {exception.Message.TrimEnd('.')}");
                client.Abort();
            }

            await receiver;
        }
    }

    private async Task StreamAsync(TelnyxCallClient client, CancellationToken token)
    {
        await client.SendTextAsync(TelnyxFrames.Connected(), token);
        _counters.FrameSent();
        await client.SendTextAsync(TelnyxFrames.Start(_call), token);
        _counters.FrameSent();

        // connected carries no sequence number and start is "1"; every later frame takes the next one.
        var sequenceNumber = 2;
        // The simulator's frame writer and audio, at this run's payload size; one buffer each for the whole call.
        using var media = new MediaFrameWriter(_call, _payloadBytes);
        var audio = TelnyxFrames.SilenceFrame(0, _payloadBytes);
        using var timer = new PeriodicTimer(CallRunner.FrameInterval, _time);
        for (var index = 0; index < _sentAt.Length; index++)
        {
            // A late tick is not made up for: the frames a slow load tool never sent show as a lower achieved rate.
            await timer.WaitForNextTickAsync(token);
            var now = _time.GetTimestamp();
            if (now >= _endAt)
            {
                break;
            }

            TelnyxFrames.StampSilenceIndex(audio, index);
            var frame = media.WriteAt(sequenceNumber++, index, audio);
            // Stamped before the send: the echo can arrive before SendTextAsync returns.
            Volatile.Write(ref _sentAt[index], now);
            Volatile.Write(ref _mediaSent, index + 1);
            _counters.MediaSentNow();
            await client.SendTextAsync(frame, token);
        }

        await client.SendTextAsync(TelnyxFrames.Stop(_call, sequenceNumber), token);
        _counters.FrameSent();
    }

    private async Task ReceiveUntilClosedAsync(
        TelnyxCallClient client,
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
                    CloseStatus = frame.CloseStatus;
                    if (frame.CloseStatus != WebSocketCloseStatus.NormalClosure)
                    {
                        Fail($"closed with {CallRunnerText.Close(frame.CloseStatus, frame.CloseDescription)}");
                    }

                    await client.AnswerCloseAsync(frame, cancellationToken);
                    return;
                }

                _counters.FrameReceived();
                Observe(frame);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Fail("cancelled");
        }
        catch (WebSocketException exception)
        {
            Fail($"connection lost without a close frame: {exception.Message.TrimEnd('.')}");
        }
        catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
        {
            Fail("connection aborted");
        }
        finally
        {
            await receiverDone.CancelAsync();
        }
    }

    private void Observe(ReceivedFrame frame)
    {
        var receivedAt = _time.GetTimestamp();
        if (frame.Type != WebSocketMessageType.Text
            || EchoParser.Parse(frame.Payload, _unescaped, out var payload) != FrameEvent.Media)
        {
            return;
        }

        if (!EchoParser.TryDecode(payload, _decoded, out var written)
            || !AudioPattern.TryRead(_decoded.AsSpan(0, written), _payloadBytes, out var index)
            || index < 0
            || index >= Volatile.Read(ref _mediaSent))
        {
            _unmatched++;
            Fail("an echo that matches no media frame sent (payload corrupted or not this call's)");
            return;
        }

        if (_echoAt[index] != 0)
        {
            _duplicates++;
            Fail(string.Create(CultureInfo.InvariantCulture, $"media frame #{index} echoed twice"));
            return;
        }

        _echoAt[index] = receivedAt;
        Volatile.Write(ref _echoes, _echoes + 1);
        _counters.EchoReceived();
    }

    /// <summary>Keeps the first failure: later ones are usually its consequences.</summary>
    private void Fail(string error) => Interlocked.CompareExchange(ref _error, error, null);
}

/// <summary>Close codes written the way the simulator writes them.</summary>
internal static class CallRunnerText
{
    public static string Close(WebSocketCloseStatus? status, string? description) =>
        status is { } code ? $"{(int)code} ({code}) \"{description}\"" : "no status code";
}
