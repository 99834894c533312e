namespace Gateway.Tests.Infrastructure;

/// <summary>
/// The system clock moved by an offset the test sets: expiries and signature timestamps can be crossed at once, while
/// time still runs (timers, delays and drain loops behave as on the real clock, which a frozen clock would hang).
/// </summary>
public sealed class ShiftedTimeProvider : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
