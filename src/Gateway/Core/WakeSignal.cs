namespace Gateway.Core;

/// <summary>
/// Wakes a background loop early: any number of <see cref="Set"/> calls before the loop next waits wake it once.
/// The loop waits for the signal or its own interval, on the injected clock.
/// </summary>
public sealed class WakeSignal(TimeProvider time) : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Set()
    {
        if (_signal.CurrentCount > 0)
        {
            return;
        }

        try
        {
            _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Set by another thread meanwhile: the loop wakes once either way.
        }
    }

    /// <summary>Returns when signalled or after <paramref name="interval"/>; throws only when <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task WaitAsync(TimeSpan interval, CancellationToken stoppingToken)
    {
        if (interval <= TimeSpan.Zero)
        {
            stoppingToken.ThrowIfCancellationRequested();
            return;
        }

        using var tick = new CancellationTokenSource(interval, time);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(tick.Token, stoppingToken);
        try
        {
            await _signal.WaitAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // The interval elapsed.
        }
    }

    public void Dispose() => _signal.Dispose();
}
