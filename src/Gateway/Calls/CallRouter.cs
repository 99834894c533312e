using Gateway.Core;
using Gateway.Credentials;
using Gateway.Ingress;
using Gateway.Registry;

namespace Gateway.Calls;

/// <summary>
/// The route stage: which agent a stream is for, named by the URL's <c>serviceHost</c> or the start frame's, on the
/// registry as it is now, and whether that agent takes it (enabled, the body within its limit, the stream token it
/// requires). A dial-out's stream, recognised by its token, takes the session id its dial-out answered with.
/// </summary>
public sealed class CallRouter(IAgentRegistry registry, StreamTokens streamTokens, ICallTelemetry telemetry, TimeProvider time)
{
    /// <summary>The agent the stream goes to, or why it does not go anywhere.</summary>
    public readonly record struct Route(RegisteredAgent? Agent, long RegistryRevision, Refusal? Refusal);

    /// <param name="serviceHost">The URL's, or else the start frame's; null when neither names one.</param>
    public async ValueTask<Route> RouteAsync(LiveCallScope scope, string? serviceHost, StreamRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentNullException.ThrowIfNull(request);
        var started = time.GetTimestamp();
        var route = await FindAsync(scope, serviceHost, request, cancellationToken);
        telemetry.SetupStageTook(SetupStages.Route, time.GetElapsedTime(started));
        return route;
    }

    private async ValueTask<Route> FindAsync(LiveCallScope scope, string? serviceHost, StreamRequest request, CancellationToken cancellationToken)
    {
        var snapshot = registry.Current;
        if (serviceHost is null)
        {
            return Refused(StreamRefusals.InvalidServiceHost("no serviceHost in the URL or in the start frame's custom_parameters"));
        }

        if (!AgentKey.TryParseServiceHost(serviceHost, out var key, out var error))
        {
            return Refused(StreamRefusals.InvalidServiceHost(error));
        }

        if (!snapshot.TryGet(key, out var agent))
        {
            return Refused(StreamRefusals.UnknownAgent(key.ServiceHost));
        }

        // Named from here on, even when the agent then refuses the call: only names the registry holds label a call.
        scope.Routed(key, sessionId: null);
        if (!agent.Resource.Enabled)
        {
            return Refused(StreamRefusals.AgentDisabled(key.ServiceHost));
        }

        if (request.Body is { } body && body.JsonBytes > agent.Resource.BodyMaxBytes)
        {
            return Refused(StreamRefusals.InvalidBody($"body is {body.JsonBytes} bytes of JSON; agent '{key.ServiceHost}' takes at most {agent.Resource.BodyMaxBytes}."));
        }

        var (refusal, dialedSessionId) = await CheckStreamTokenAsync(agent, request.Token, cancellationToken);
        if (refusal is not null)
        {
            return Refused(refusal);
        }

        scope.Routed(key, dialedSessionId);
        return new Route(agent, snapshot.Revision, null);
    }

    private static Route Refused(Refusal refusal) => new(null, 0, refusal);

    /// <summary>
    /// An agent with <c>streamAuth: token</c> takes a stream only with a token this gateway signed for it. Any agent's
    /// stream that carries a valid dial-out token takes the session id the dial-out answered with.
    /// </summary>
    private async ValueTask<(Refusal? Refusal, string? SessionId)> CheckStreamTokenAsync(RegisteredAgent agent, string? token, CancellationToken cancellationToken)
    {
        var required = agent.Resource.StreamAuth == StreamAuthMode.Token;
        if (!required && token is null)
        {
            return (null, null);
        }

        var result = await streamTokens.VerifyAsync(token ?? string.Empty, agent.Key, cancellationToken);
        if (result.Check == StreamTokenCheck.Valid)
        {
            return (null, result.SessionId);
        }

        // An agent without stream auth ignores a token it cannot use, as Pipecat Cloud ignores unknown parameters.
        return (required ? StreamRefusals.StreamToken(result.Check, agent.Key.ServiceHost) : null, null);
    }
}
