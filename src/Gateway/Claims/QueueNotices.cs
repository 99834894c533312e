using System.Collections.Concurrent;
using Gateway.Core;

namespace Gateway.Claims;

/// <summary>
/// Wakes this replica's waiting callers of one agent at once when its queue may have moved. Each wait takes the
/// agent's current notice; a notice completes it and puts a fresh one in its place.
/// </summary>
internal sealed class QueueNotices
{
    private readonly ConcurrentDictionary<AgentKey, TaskCompletionSource> _next = new();

    public Task Next(AgentKey agent) =>
        _next.GetOrAdd(agent, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Notify(AgentKey agent)
    {
        if (_next.TryRemove(agent, out var notice))
        {
            notice.TrySetResult();
        }
    }

    /// <summary>Until the agent's next notice, <paramref name="atMost"/>, or cancellation (which throws).</summary>
    public async Task WaitAsync(AgentKey agent, TimeSpan atMost, TimeProvider time, CancellationToken cancellationToken)
    {
        try
        {
            await Next(agent).WaitAsync(atMost, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // No notice in time: the caller asks anyway.
        }
    }
}
