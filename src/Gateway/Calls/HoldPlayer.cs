using System.Net.WebSockets;
using Gateway.Relay;

namespace Gateway.Calls;

/// <summary>Plays hold audio to a caller, one frame every 20 ms, until disposed.</summary>
public sealed class HoldPlayer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _playing;
    private int _framesSent;

    private HoldPlayer(LegSocket caller, byte[][]? frames, TimeProvider time)
    {
        _playing = frames is null ? Task.CompletedTask : PlayAsync(caller, frames, time);
    }

    /// <summary>Frames played so far.</summary>
    public int FramesSent => Volatile.Read(ref _framesSent);

    /// <param name="frames">The frames to loop; null plays nothing (a codec without hold audio).</param>
    public static HoldPlayer Start(LegSocket caller, byte[][]? frames, TimeProvider time) => new(caller, frames, time);

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await _playing;
            _stop.Dispose();
        }
    }

    private async Task PlayAsync(LegSocket caller, byte[][] frames, TimeProvider time)
    {
        using var timer = new PeriodicTimer(HoldAudio.FrameInterval, time);
        try
        {
            do
            {
                await caller.SendAsync(frames[_framesSent % frames.Length], WebSocketMessageType.Text, endOfMessage: true, _stop.Token);
                Interlocked.Increment(ref _framesSent);
            }
            while (await timer.WaitForNextTickAsync(_stop.Token));
        }
        catch (Exception e) when (WebSocketClosing.IsConnectionFailure(e) || e is WebSocketException)
        {
            // Stopped, or the caller left: the failover sees the latter through its own token.
        }
    }
}
