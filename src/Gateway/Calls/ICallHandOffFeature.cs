namespace Gateway.Calls;

/// <summary>
/// Offered by a listener that owns its connections (the media listener): a call set up and relaying needs nothing of
/// its upgrade request, so it hands the rest of the call to the listener and the request ends at once. The request's
/// context, features and the pipeline's middleware state are then let go of instead of held for the call's life.
/// Kestrel offers no such thing (an upgraded connection ends with its request): there the call runs inside it.
/// </summary>
public interface ICallHandOffFeature
{
    /// <summary>
    /// Runs <paramref name="rest"/> on the upgraded connection once the request pipeline has returned; the connection
    /// stays open until it completes. Called at most once, after the upgrade.
    /// </summary>
    void HandOff(Func<Task> rest);
}
