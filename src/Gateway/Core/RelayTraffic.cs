namespace Gateway.Core;

/// <summary>
/// What one direction of a call has relayed so far. Written by that direction's loop alone, read at any time by the
/// metrics (a scrape, the call's end), so its cost per frame is two plain stores: no lock, no interlocked operation,
/// no metric label lookup.
/// </summary>
public sealed class RelayTraffic
{
    private long _frames;
    private long _bytes;

    public long Frames => Volatile.Read(ref _frames);

    public long Bytes => Volatile.Read(ref _bytes);

    /// <summary>One message relayed. Only the direction's own loop calls this, so read-modify-write needs no atomicity.</summary>
    internal void Add(long bytes)
    {
        Volatile.Write(ref _frames, _frames + 1);
        Volatile.Write(ref _bytes, _bytes + bytes);
    }
}
