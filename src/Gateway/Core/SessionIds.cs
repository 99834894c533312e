namespace Gateway.Core;

/// <summary>A call's session id: a version 7 UUID, so ids sort by when their call began (logs, the sessions list).</summary>
public static class SessionIds
{
    public static string New(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return Guid.CreateVersion7(time.GetUtcNow()).ToString();
    }
}
