using Gateway.Core;

namespace Gateway.Registry;

/// <summary>Checks an agent resource before it is stored, so nothing invalid reaches the hot path.</summary>
public static class AgentResourceValidator
{
    public const int MaxConcurrentCallsLimit = 100_000;
    public const int CapacityLimit = 10_000;
    public const int BodyMaxBytesLimit = 16 * 1024;
    public const int InstancesLimit = 1_000;
    public const int PhoneNumbersLimit = 1_000;

    /// <summary>
    /// The rules of an agent written here (the admin API, the seed file): the resource's own, and a <c>kubernetes</c>
    /// source only on a gateway that can watch Kubernetes.
    /// </summary>
    /// <returns>Field path → message for every problem; empty when the resource is valid.</returns>
    public static Dictionary<string, string[]> Validate(AgentResource resource, bool kubernetesAccess)
    {
        var errors = Validate(resource);
        if (resource.Kubernetes is not null && !kubernetesAccess)
        {
            errors["kubernetes"] = [KubernetesSourceValidator.NoAccessMessage];
        }

        return errors;
    }

    /// <summary>
    /// The resource's own rules, as any replica reads a stored agent: one without Kubernetes access still routes the
    /// static instances of an agent another replica gave a <c>kubernetes</c> source.
    /// </summary>
    /// <returns>Field path → message for every problem; empty when the resource is valid.</returns>
    public static Dictionary<string, string[]> Validate(AgentResource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (resource.MaxConcurrentCalls is < 1 or > MaxConcurrentCallsLimit)
        {
            errors["maxConcurrentCalls"] = [$"must be between 1 and {MaxConcurrentCallsLimit}."];
        }

        if (resource.BodyMaxBytes is < 0 or > BodyMaxBytesLimit)
        {
            errors["bodyMaxBytes"] = [$"must be between 0 and {BodyMaxBytesLimit}."];
        }

        ValidatePhoneNumbers(resource.PhoneNumbers, errors);
        ValidateAllowedActions(resource.AllowedActions, errors);
        if (!Enum.IsDefined(resource.StreamAuth))
        {
            errors["streamAuth"] = ["must be one of none, token."];
        }

        ValidateDialOut(resource, errors);
        if (resource.Continuity is not null)
        {
            AgentContinuityValidator.Validate(resource.Continuity, errors);
        }

        if (resource.Kubernetes is not null)
        {
            KubernetesSourceValidator.Validate(resource.Kubernetes, errors);
        }

        if (resource.Texml is null)
        {
            errors["texml"] = ["must be an object."];
        }
        else
        {
            AgentTexmlValidator.Validate(resource.Texml, resource.BodyMaxBytes, errors);
        }

        if (resource.Instances is null)
        {
            errors["instances"] = ["must be an array."];
            return errors;
        }

        if (resource.Instances.Count > InstancesLimit)
        {
            errors["instances"] = [$"must hold at most {InstancesLimit} instances."];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < resource.Instances.Count; i++)
        {
            ValidateInstance(resource.Instances[i], $"instances[{i}]", seen, errors);
        }

        return errors;
    }

    private static void ValidatePhoneNumbers(IReadOnlyList<string>? numbers, Dictionary<string, string[]> errors)
    {
        if (numbers is null)
        {
            errors["phoneNumbers"] = ["must be an array."];
            return;
        }

        if (numbers.Count > PhoneNumbersLimit)
        {
            errors["phoneNumbers"] = [$"must hold at most {PhoneNumbersLimit} numbers."];
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < numbers.Count; i++)
        {
            if (!ResourceNames.IsValidPhoneNumber(numbers[i]))
            {
                errors[$"phoneNumbers[{i}]"] = ["must be " + ResourceNames.PhoneNumberRule];
            }
            else if (!seen.Add(numbers[i]))
            {
                errors[$"phoneNumbers[{i}]"] = [$"'{numbers[i]}' is listed twice."];
            }
        }
    }

    private static void ValidateDialOut(AgentResource resource, Dictionary<string, string[]> errors)
    {
        if (resource.ConnectionId is not null && !ResourceNames.IsValidConnectionId(resource.ConnectionId))
        {
            errors["connectionId"] = ["must be " + ResourceNames.ConnectionIdRule];
        }

        switch (resource.OnBotFailure)
        {
            case null:
                errors["onBotFailure"] = ["must be an object."];
                break;
            case { Action: BotFailureMode.Transfer, TransferTo: var to } when !ResourceNames.IsValidPhoneNumber(to) && !(to?.StartsWith("sip:", StringComparison.Ordinal) ?? false):
                errors["onBotFailure.transferTo"] = ["is required with action 'transfer': an E.164 number or a sip: URI."];
                break;
            case { Action: not BotFailureMode.Transfer, TransferTo: not null }:
                errors["onBotFailure.transferTo"] = ["is only for action 'transfer'."];
                break;
            case { Action: var action } when !Enum.IsDefined(action):
                errors["onBotFailure.action"] = ["must be one of none, hangup, transfer."];
                break;
        }
    }

    private static void ValidateAllowedActions(IReadOnlyList<string>? actions, Dictionary<string, string[]> errors)
    {
        if (actions is null)
        {
            errors["allowedActions"] = ["must be an array."];
            return;
        }

        for (var i = 0; i < actions.Count; i++)
        {
            if (actions[i] is null || !CallControlActions.Known.Contains(actions[i]))
            {
                errors[$"allowedActions[{i}]"] = ["must be a Telnyx Call Control action: " + string.Join(", ", CallControlActions.Known.Order(StringComparer.Ordinal)) + "."];
            }
        }
    }

    private static void ValidateInstance(AgentInstance? instance, string path, HashSet<string> seen, Dictionary<string, string[]> errors)
    {
        if (instance is null)
        {
            errors[path] = ["must be an object."];
            return;
        }

        if (!ResourceNames.IsValidInstanceId(instance.Id))
        {
            errors[path + ".id"] = ["must be " + ResourceNames.InstanceIdRule];
        }
        else if (!seen.Add(instance.Id))
        {
            errors[path + ".id"] = [$"'{instance.Id}' is used by another instance of this agent."];
        }

        if (instance.Url is not { IsAbsoluteUri: true } url || (url.Scheme != "ws" && url.Scheme != "wss") || string.IsNullOrEmpty(url.Host))
        {
            errors[path + ".url"] = ["must be an absolute ws:// or wss:// URL."];
        }
        else if (!string.IsNullOrEmpty(url.Fragment) || !string.IsNullOrEmpty(url.UserInfo))
        {
            errors[path + ".url"] = ["must carry no fragment and no user info."];
        }

        if (instance.Capacity is < 1 or > CapacityLimit)
        {
            errors[path + ".capacity"] = [$"must be between 1 and {CapacityLimit}."];
        }
    }
}
