using Gateway.Claims;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Registry;
using Gateway.Credentials;
using Microsoft.Extensions.Options;

namespace Gateway.DialOut;

/// <summary>
/// The bot instance a dialed call will reach, held from before Telnyx dials: a callee who answers must find a bot,
/// whatever inbound calls arrive while the phone rings. The stream claims it on arrival; unanswered, it lapses with
/// the stream token.
/// </summary>
internal sealed class DialOutReservation(IInstanceClaims claims, IOptions<StreamTokenOptions> tokenOptions, TimeProvider time)
{
    /// <returns>The reservation, or the refusal a stream would get from ingress for the same reason.</returns>
    public async Task<(InstanceClaim? Reservation, Refusal? Refusal)> ReserveAsync(RegisteredAgent agent, string sessionId)
    {
        var reserved = await claims.ReserveAsync(agent, sessionId, agent.Resource.LapsedInstances(time.GetUtcNow()), tokenOptions.Value.Lifetime, CancellationToken.None);
        if (reserved.Claim is { } claim)
        {
            return (claim, null);
        }

        return (null, reserved.Status == ClaimStatus.AgentAtLimit
            ? StreamRefusals.AgentAtLimit(agent.Key.ServiceHost, agent.Resource.MaxConcurrentCalls)
            : StreamRefusals.NoFreeInstance(agent.Key.ServiceHost));
    }

    /// <summary>Gives the instance back: the call was not placed.</summary>
    public ValueTask ReleaseAsync(InstanceClaim reservation) => claims.ReleaseAsync(reservation);
}
