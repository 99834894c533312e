using Gateway.Core;
using Microsoft.AspNetCore.Http;

namespace Gateway.Admin;

/// <summary>
/// Every write of an agent reads it, checks what it must, and writes back over exactly the revision it read. When
/// another write came in between (another operator, a heartbeat, another replica), it reads again and re-checks rather
/// than overwrite.
/// </summary>
internal static class AgentWrites
{
    // A write races only with other writes to the same agent; a few retries outlast any burst of heartbeats.
    private const int Attempts = 8;

    /// <param name="attempt">One read-check-write: its answer, or null when its write lost the race.</param>
    public static async Task<IResult> RetryAsync(AgentKey key, Func<Task<IResult?>> attempt, CancellationToken cancellationToken)
    {
        for (var round = 0; round < Attempts; round++)
        {
            if (await attempt() is { } answer)
            {
                return answer;
            }

            // The write that won reaches this replica's snapshot within milliseconds.
            await Task.Delay(TimeSpan.FromMilliseconds(10 << round), cancellationToken);
        }

        return Refusals.Conflict("concurrent_update", $"Agent '{key.ServiceHost}' kept changing; try again.");
    }
}
