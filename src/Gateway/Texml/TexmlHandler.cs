using Gateway.Core;
using Gateway.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Texml;

/// <summary>
/// Answers Telnyx's TeXML fetches: <c>/texml/{org}/{agent}</c> for one agent, <c>/texml</c> routed by the called
/// number. Each is read, verified (<see cref="TexmlVerification"/>) and answered (<see cref="AgentDocuments"/>). A
/// request that is verified and can be answered always gets a 200 TeXML document, the unknown-number one included:
/// Telnyx plays nothing for an error status but retries the failover URL, which would answer the same.
/// </summary>
public sealed class TexmlHandler(
    IAgentRegistry registry,
    TexmlVerification verification,
    AgentDocuments documents,
    IOptions<TexmlOptions> texmlOptions,
    ILogger<TexmlHandler> logger)
{
    private readonly int _requestMaxBytes = texmlOptions.Value.RequestMaxBytes;

    /// <summary><c>GET|POST /texml/{org}/{agent}</c>.</summary>
    public async Task<IResult> AnswerAgentAsync(TexmlAgentFetch fetch)
    {
        var context = fetch.Context;
        var (request, refusal) = await TexmlRequest.ReadAsync(context, _requestMaxBytes);
        if (request is null)
        {
            return refusal!;
        }

        // Names are matched case-insensitively, as in a serviceHost; a malformed one names no agent.
        var org = fetch.Org.ToLowerInvariant();
        var name = fetch.Agent.ToLowerInvariant();
        var valid = ResourceNames.IsValidOrg(org) && ResourceNames.IsValidAgent(name);
        var snapshot = registry.Current;
        RegisteredAgent? agent = null;
        var found = valid && snapshot.TryGet(new AgentKey(org, name), out agent);
        if (await verification.VerifyAsync(context, request, valid ? org : null, known: found) is { } unverified)
        {
            return unverified;
        }

        if (!snapshot.IsLoaded)
        {
            return TexmlRefusals.RegistryUnavailable();
        }

        if (!found || !agent!.Resource.Enabled)
        {
            TexmlLog.UnknownAgent(logger, new RequestValue(org), new RequestValue(name), found ? "agent disabled" : "no such agent");
            return documents.UnknownNumber;
        }

        return documents.For(context.Request, request, agent);
    }

    /// <summary><c>GET|POST /texml</c>: routed by the called number, <c>To</c>.</summary>
    public async Task<IResult> AnswerNumberAsync(TexmlNumberFetch fetch)
    {
        var context = fetch.Context;
        var (request, refusal) = await TexmlRequest.ReadAsync(context, _requestMaxBytes);
        if (request is null)
        {
            return refusal!;
        }

        var snapshot = registry.Current;
        if (!snapshot.IsLoaded)
        {
            return TexmlRefusals.RegistryUnavailable();
        }

        // The organization, and so the key, is known only once the number is routed; a number nobody owns is verified
        // with the platform key.
        var to = request.To;
        RegisteredAgent? agent = null;
        var routed = !string.IsNullOrEmpty(to) && snapshot.TryGetByPhoneNumber(to, out agent);
        if (await verification.VerifyAsync(context, request, agent?.Key.Org, known: routed) is { } unverified)
        {
            return unverified;
        }

        if (!routed || !agent!.Resource.Enabled)
        {
            if (routed)
            {
                TexmlLog.NumberAgentDisabled(logger, new RequestValue(to), agent!.Key);
            }
            else
            {
                TexmlLog.UnknownNumber(logger, new RequestValue(string.IsNullOrEmpty(to) ? null : to));
            }

            return documents.UnknownNumber;
        }

        return documents.For(context.Request, request, agent);
    }
}
