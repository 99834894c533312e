namespace Gateway.Benchmarks;

/// <summary>Frames in flight across every call of one target, read at the edges of the measurement window.</summary>
internal sealed class LoadCounters
{
    private long _framesSent;
    private long _framesReceived;
    private long _mediaSent;
    private long _echoesReceived;

    /// <summary>Every frame the Telnyx side sent (connected, start, media, stop).</summary>
    public long FramesSent => Volatile.Read(ref _framesSent);

    /// <summary>Every frame the Telnyx side received from the bot side.</summary>
    public long FramesReceived => Volatile.Read(ref _framesReceived);

    public long MediaSent => Volatile.Read(ref _mediaSent);

    public long EchoesReceived => Volatile.Read(ref _echoesReceived);

    public void FrameSent() => Interlocked.Increment(ref _framesSent);

    public void MediaSentNow()
    {
        Interlocked.Increment(ref _mediaSent);
        Interlocked.Increment(ref _framesSent);
    }

    public void FrameReceived() => Interlocked.Increment(ref _framesReceived);

    public void EchoReceived() => Interlocked.Increment(ref _echoesReceived);

    public CounterSnapshot Snapshot() => new(FramesSent, FramesReceived, MediaSent, EchoesReceived);
}

internal readonly record struct CounterSnapshot(long FramesSent, long FramesReceived, long MediaSent, long EchoesReceived)
{
    public static CounterSnapshot operator -(CounterSnapshot end, CounterSnapshot start) => new(
        end.FramesSent - start.FramesSent,
        end.FramesReceived - start.FramesReceived,
        end.MediaSent - start.MediaSent,
        end.EchoesReceived - start.EchoesReceived);

    public static CounterSnapshot Subtract(CounterSnapshot end, CounterSnapshot start) => end - start;
}
