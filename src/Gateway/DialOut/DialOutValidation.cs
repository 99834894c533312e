using System.Text.Json;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;

namespace Gateway.DialOut;

/// <summary>What is checked before anything is reserved or dialed: the request's fields, then whether the agent would take the stream.</summary>
internal static class DialOutValidation
{
    /// <returns>Each field in error with its messages; empty when the request is valid.</returns>
    public static Dictionary<string, string[]> Validate(DialOutRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (!ResourceNames.IsValidPhoneNumber(request.To))
        {
            errors["to"] = ["must be " + ResourceNames.PhoneNumberRule];
        }

        if (!ResourceNames.IsValidPhoneNumber(request.From))
        {
            errors["from"] = ["must be " + ResourceNames.PhoneNumberRule];
        }

        if (request.Body is { ValueKind: not JsonValueKind.Object })
        {
            errors["body"] = ["must be a JSON object."];
        }

        if (request.ConnectionId is not null && !ResourceNames.IsValidConnectionId(request.ConnectionId))
        {
            errors["connectionId"] = ["must be " + ResourceNames.ConnectionIdRule];
        }

        return errors;
    }

    /// <summary>The refusal ingress would answer the call's stream with, or null when the agent takes it.</summary>
    /// <remarks>
    /// The body limit is the one ingress applies when the stream arrives, the agent's and the gateway's
    /// (<c>Ingress:BodyMaxBytes</c>) alike: a call whose stream ingress would refuse is never placed.
    /// </remarks>
    public static Refusal? StreamRefusal(RegisteredAgent agent, byte[]? body, int gatewayBodyMaxBytes)
    {
        if (!agent.Resource.Enabled)
        {
            return StreamRefusals.AgentDisabled(agent.Key.ServiceHost);
        }

        var limit = Math.Min(agent.Resource.BodyMaxBytes, gatewayBodyMaxBytes);
        return body is not null && body.Length > limit
            ? StreamRefusals.InvalidBody($"body is {body.Length} bytes of JSON; agent '{agent.Key.ServiceHost}' takes at most {limit}.")
            : null;
    }
}
