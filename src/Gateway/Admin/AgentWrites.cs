using Gateway.Core;
using Gateway.Registry;
using Microsoft.AspNetCore.Http;

namespace Gateway.Admin;

/// <summary>
/// Every write of an agent reads it, checks what it must, and writes back over exactly the revision it read. When
/// another write came in between (another operator, a heartbeat, another replica), it reads again and re-checks rather
/// than overwrite. Beside the loop, the rules a whole agent written over the current one obeys.
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

    /// <summary>
    /// The registration expiries are the gateway's to keep (instances renew them with heartbeats): an agent written
    /// back as it was read never moves one earlier, so a routine edit never takes a live pod out of rotation.
    /// </summary>
    public static AgentResource KeepHeartbeats(AgentResource written, AgentResource? current)
    {
        if (current is null)
        {
            return written;
        }

        var renewed = current.Instances.Where(i => i.ExpiresAt is not null).ToDictionary(i => i.Id, StringComparer.Ordinal);
        return written with
        {
            Instances = [.. written.Instances.Select(instance =>
                renewed.TryGetValue(instance.Id, out var kept) && kept.Url == instance.Url && (instance.ExpiresAt is null || instance.ExpiresAt < kept.ExpiresAt)
                    ? instance with { ExpiresAt = kept.ExpiresAt }
                    : instance)],
        };
    }

    /// <summary>
    /// An agent holds its calls with a clip only once it has one: <c>continuity.hold</c> <c>clip</c> is refused, naming
    /// the field, while the agent has none (the clip is uploaded to an existing agent, so a new one starts without).
    /// </summary>
    public static Refusal? HoldClipMissing(AgentKey key, AgentResource resource, RegisteredAgent? current) =>
        resource.Continuity?.Hold == HoldAudioKind.Clip && current?.HoldClip is null ? HoldAudioRefusals.NoClipToHoldWith(key) : null;

    /// <summary>A number belongs to one agent: claiming one another agent holds is a conflict.</summary>
    public static Refusal? PhoneNumberConflict(RegistrySnapshot snapshot, AgentKey key, AgentResource resource)
    {
        foreach (var number in resource.PhoneNumbers)
        {
            if (snapshot.TryGetByPhoneNumber(number, out var owner) && owner.Key != key)
            {
                // Within the organization the holder is named; another organization's agent stays anonymous.
                var holder = owner.Key.Org == key.Org ? $"agent '{owner.Key.Agent}'" : "another organization";
                return Refusals.Conflict("phone_number_taken", $"{number} belongs to {holder}; remove it there first.");
            }
        }

        return null;
    }
}
