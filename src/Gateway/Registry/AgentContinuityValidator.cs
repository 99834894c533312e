using Gateway.Relay;

namespace Gateway.Registry;

/// <summary>Checks an agent's <c>continuity</c>, naming each field that is wrong.</summary>
public static class AgentContinuityValidator
{
    public const int MaxAttempts = 10;

    public const int MaxWithinSeconds = 120;

    public const int MaxWaitSeconds = 600;

    public const int MaxQueueLength = 1000;

    public static void Validate(AgentContinuity continuity, Dictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(continuity);
        ArgumentNullException.ThrowIfNull(errors);
        if (!HoldAudioKind.All.Contains(continuity.Hold))
        {
            errors["continuity.hold"] = [$"must be one of: {string.Join(", ", HoldAudioKind.All)}."];
        }

        if (continuity.Queue is { } queue)
        {
            if (queue.MaxWaitSeconds is < 0 or > MaxWaitSeconds)
            {
                errors["continuity.queue.maxWaitSeconds"] = [$"must be from 0 (no queue) to {MaxWaitSeconds}."];
            }

            if (queue.MaxLength is < 1 or > MaxQueueLength)
            {
                errors["continuity.queue.maxLength"] = [$"must be from 1 to {MaxQueueLength}."];
            }
        }

        if (continuity.Reconnect is not { } reconnect)
        {
            return;
        }

        if (reconnect.Attempts is < 1 or > MaxAttempts)
        {
            errors["continuity.reconnect.attempts"] = [$"must be from 1 to {MaxAttempts}."];
        }

        if (reconnect.WithinSeconds is < 1 or > MaxWithinSeconds)
        {
            errors["continuity.reconnect.withinSeconds"] = [$"must be from 1 to {MaxWithinSeconds}."];
        }

        // 1000 is a bot ending the call on purpose; 1005 and 1006 never travel in a close frame.
        var invalid = reconnect.On.Where(code => code == 1000 || !ClosePayload.IsValidCode(code)).ToList();
        if (invalid.Count > 0)
        {
            errors["continuity.reconnect.on"] = [$"holds close codes a bot may send other than 1000 (1001-1003, 1007-1014, 3000-4999); not {string.Join(", ", invalid)}."];
        }
    }
}
