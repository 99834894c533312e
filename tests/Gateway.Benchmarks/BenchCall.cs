using System.Buffers.Text;
using System.Globalization;
using System.Net.WebSockets;
using Gateway.CallSimulator;

namespace Gateway.Benchmarks;

/// <summary>
/// One measured call, played as every simulated call is (<see cref="SimulatedCall"/>): send connected and start, then a
/// media frame every 20 ms until the common end time, then stop, and wait for the bot side to close. Every echo is
/// matched to the frame it answers by the index in its audio, so frames lost, duplicated or corrupted are counted, not
/// guessed. Unlike <see cref="CallRunner"/>'s calls it sends no DTMF and keeps no per-event counts or narration: its
/// frames are read without building a document, and its figures are plain arrays read once the run is over.
/// </summary>
internal sealed class BenchCall : SimulatedCall
{
    private readonly Uri _url;
    private long _endAt;
    private readonly int _payloadBytes;
    private readonly bool _idle;
    private readonly LoadCounters _counters;
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

    /// <param name="longest">The longest this call may stream: its arrays hold a frame for every 20 ms of it.</param>
    public BenchCall(Uri url, TimeSpan longest, int payloadBytes, LoadCounters counters, TimeProvider time, bool idle = false)
        : base(time)
    {
        _idle = idle;
        _url = url;
        _payloadBytes = payloadBytes;
        _counters = counters;
        _call = TelnyxCallInfo.CreateRandom();
        var capacity = (int)Math.Ceiling((longest > TimeSpan.Zero ? longest : TimeSpan.Zero) / CallRunner.FrameInterval) + 2;
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

    /// <summary>When media frame <paramref name="index"/> went out (a timestamp), 0 if it never did.</summary>
    public long SentAt(int index) => _sentAt[index];

    /// <summary>When its echo came back, 0 if it never did.</summary>
    public long EchoAt(int index) => _echoAt[index];

    protected override string Peer => "the bot side";

    protected override TimeSpan? ConnectTimeout => TimeSpan.FromSeconds(10);

    protected override TimeSpan CloseTimeout => TimeSpan.FromSeconds(5);

    /// <summary>Plays the call until <paramref name="endAt"/> (a timestamp), when it sends stop.</summary>
    public Task RunAsync(long endAt, CancellationToken cancellationToken)
    {
        _endAt = endAt;
        return RunAsync(_url, headers: null, cancellationToken);
    }

    protected override void Connected(TimeSpan setupTime) => SetupTime = setupTime;

    protected override async Task SendFramesAsync(TelnyxCallClient client, CancellationToken token)
    {
        await client.SendTextAsync(TelnyxFrames.Connected(), token);
        _counters.FrameSent();
        await client.SendTextAsync(TelnyxFrames.Start(_call), token);
        _counters.FrameSent();

        // connected carries no sequence number and start is "1"; every later frame takes the next one.
        var sequenceNumber = 2;
        if (_idle)
        {
            // A call on hold with nothing to say: the connection and what the proxy keeps for it, no traffic.
            var wait = _endAt - Time.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Time.TimestampFrequency), Time, token);
            }

            await client.SendTextAsync(TelnyxFrames.Stop(_call, sequenceNumber), token);
            _counters.FrameSent();
            return;
        }

        // The simulator's frame writer and audio, at this run's payload size; one buffer each for the whole call.
        using var media = new MediaFrameWriter(_call, _payloadBytes);
        var audio = TelnyxFrames.SilenceFrame(0, _payloadBytes);
        using var timer = new PeriodicTimer(CallRunner.FrameInterval, Time);
        for (var index = 0; index < _sentAt.Length; index++)
        {
            // A late tick is not made up for: the frames a slow load tool never sent show as a lower achieved rate.
            await timer.WaitForNextTickAsync(token);
            var now = Time.GetTimestamp();
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

    protected override void CloseReceived(ReceivedFrame close)
    {
        if (close.CloseStatus != WebSocketCloseStatus.NormalClosure)
        {
            // The report's words for a close without a code; CallRunner.CloseText words it for the simulator's own line.
            Fail(close.CloseStatus is null
                ? "closed with no status code"
                : $"closed with {CallRunner.CloseText(close.CloseStatus, close.CloseDescription)}");
        }
    }

    /// <summary>The call has already failed; it is dropped at once rather than closed from this side.</summary>
    protected override Task CloseUnansweredAsync(TelnyxCallClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Abort();
        return Task.CompletedTask;
    }

    protected override void FrameReceived(WebSocketMessageType type, ReadOnlySpan<byte> frame)
    {
        _counters.FrameReceived();
        var receivedAt = Time.GetTimestamp();
        if (type != WebSocketMessageType.Text
            || EchoParser.Parse(frame, _unescaped, out var payload) != FrameEvent.Media)
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
    protected override void Fail(string reason) => Interlocked.CompareExchange(ref _error, reason, null);
}
