using Gateway.Core;
using Gateway.Registry;

namespace Gateway.Admin;

/// <summary>A bot instance's registration (<c>PUT …/instances/{id}</c>) checked and turned into the instance to store.</summary>
internal static class InstanceRegistrations
{
    public const int MinTtlSeconds = 5;
    public const int MaxTtlSeconds = 86_400;

    /// <param name="now">When the registration arrived: a <c>ttlSeconds</c> counts from then.</param>
    /// <returns>The instance, or the refusal naming every field in error.</returns>
    public static (AgentInstance? Instance, Refusal? Refusal) Read(string id, InstanceRegistration registration, DateTimeOffset now)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (registration.TtlSeconds is < MinTtlSeconds or > MaxTtlSeconds)
        {
            errors["ttlSeconds"] = [$"must be between {MinTtlSeconds} and {MaxTtlSeconds}."];
        }

        if (registration.Url is null)
        {
            errors["url"] = ["is required: the instance's ws:// or wss:// endpoint."];
        }

        var instance = registration.Url is null ? null : new AgentInstance
        {
            Id = id,
            Url = registration.Url,
            Capacity = registration.Capacity,
            ExpiresAt = registration.TtlSeconds is { } ttl ? now.AddSeconds(ttl) : null,
        };
        if (instance is not null)
        {
            AddInstanceErrors(instance, errors);
        }
        else if (!ResourceNames.IsValidInstanceId(id))
        {
            errors["id"] = ["must be " + ResourceNames.InstanceIdRule];
        }

        if (registration.Id is not null && registration.Id != id)
        {
            errors.TryAdd("id", [$"must be the instance id of the path ('{id}'), or left out."]);
        }

        return instance is null || errors.Count > 0 ? (null, Refusals.Validation(errors)) : (instance, null);
    }

    /// <summary>
    /// The instance checked on its own, its problems named as in this route's body (<c>url</c>, <c>capacity</c>) and
    /// path (<c>id</c>): checked inside the agent they would be <c>instances[3].url</c>, a field the client never sent.
    /// </summary>
    private static void AddInstanceErrors(AgentInstance instance, Dictionary<string, string[]> errors)
    {
        const string Prefix = "instances[0].";
        foreach (var (field, messages) in AgentResourceValidator.Validate(new AgentResource { Instances = [instance] }))
        {
            errors[field.StartsWith(Prefix, StringComparison.Ordinal) ? field[Prefix.Length..] : field] = messages;
        }
    }
}
