using System.Net;
using System.Net.WebSockets;

namespace Gateway.CallSimulator;

/// <summary>
/// Collects one call's observations while its sender and receiver run side by side, then freezes them into a
/// <see cref="CallReport"/>. Only the sender writes send times and only the receiver reads them back.
/// </summary>
internal sealed class CallRecorder(TelnyxCallInfo call, int mediaFrames)
{
    private readonly long[] _mediaSentAt = new long[mediaFrames];
    private readonly Dictionary<string, int> _received = new(StringComparer.Ordinal);
    private readonly List<TimeSpan> _roundTrips = new(mediaFrames);
    private int _framesSent;
    private TimeSpan? _setupTime;
    private WebSocketCloseStatus? _closeStatus;
    private string? _closeDescription;
    private HttpStatusCode? _refusedStatus;
    private string? _error;

    public TelnyxCallInfo Call { get; } = call;

    public int MediaFrames { get; } = mediaFrames;

    public bool HasError => Volatile.Read(ref _error) is not null;

    public void Connected(TimeSpan setupTime) => _setupTime = setupTime;

    public void Refused(HttpStatusCode? status, string error)
    {
        _refusedStatus = status;
        Fail(error);
    }

    public void FrameSent() => Interlocked.Increment(ref _framesSent);

    /// <summary>Stamps the send time before the frame goes out, so even an echo that beats the send's return is timed.</summary>
    public void MediaSent(int index, long timestamp)
    {
        Volatile.Write(ref _mediaSentAt[index], timestamp);
        FrameSent();
    }

    public void FrameReceived(string eventName)
    {
        lock (_received)
        {
            _received[eventName] = _received.GetValueOrDefault(eventName) + 1;
        }
    }

    /// <summary>When the media frame with this index went out, or null if it never did.</summary>
    public long? MediaSentAt(int index)
    {
        if (index < 0 || index >= _mediaSentAt.Length)
        {
            return null;
        }

        var sentAt = Volatile.Read(ref _mediaSentAt[index]);
        return sentAt == 0 ? null : sentAt;
    }

    public void RoundTrip(TimeSpan elapsed)
    {
        lock (_roundTrips)
        {
            _roundTrips.Add(elapsed);
        }
    }

    public void Closed(WebSocketCloseStatus? status, string? description)
    {
        _closeStatus = status;
        _closeDescription = description;
    }

    /// <summary>Keeps the first failure: later ones are usually its consequences.</summary>
    public void Fail(string error) => Interlocked.CompareExchange(ref _error, error, null);

    public CallReport ToReport()
    {
        Dictionary<string, int> received;
        lock (_received)
        {
            received = new Dictionary<string, int>(_received, StringComparer.Ordinal);
        }

        TimeSpan[] roundTrips;
        lock (_roundTrips)
        {
            roundTrips = [.. _roundTrips];
        }

        return new CallReport(
            Call,
            _setupTime,
            Volatile.Read(ref _framesSent),
            received,
            roundTrips,
            _closeStatus,
            _closeDescription,
            _refusedStatus,
            Volatile.Read(ref _error));
    }
}
