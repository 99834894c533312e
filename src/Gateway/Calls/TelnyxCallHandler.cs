using Gateway.Ingress;
using Gateway.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>
/// One Telnyx media stream, from the upgrade request to the last close, as its stages: read the request, route it
/// (by the URL before the 101, or by the start frame after it), admit it (claim an instance, open the bot hop), then
/// relay. The call's scope releases what it holds on every way out; a refusal at any stage is delivered as the stream
/// stands (problem+json before the 101, a close frame after it). Where the listener takes calls over
/// (<see cref="ICallHandOffFeature"/>), the relay runs after the request has ended, holding nothing of it.
/// </summary>
public sealed class TelnyxCallHandler(
    IAgentRegistry registry,
    GatewayDrain drain,
    LiveCallScopes scopes,
    CallerLegs callers,
    CallRouter router,
    CallAdmission admission,
    CallQueueing queueing,
    CallRelaying relaying,
    IOptions<IngressOptions> ingressOptions,
    ILogger<TelnyxCallHandler> logger)
{
    private readonly IngressOptions _ingress = ingressOptions.Value;

    public async Task HandleAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (await SetUpAsync(context) is not { } call)
        {
            return;
        }

        if (context.Features.Get<ICallHandOffFeature>() is { } handOff)
        {
            handOff.HandOff(call.RelayAsync);
        }
        else
        {
            await call.RelayAsync();
        }
    }

    /// <summary>
    /// Every stage before the relay: the call set up and ready to relay, owning all it holds; or null when it ended
    /// there (refused, or a side gone), everything it held released.
    /// </summary>
    private async Task<SetUpCall?> SetUpAsync(HttpContext context)
    {
        // Live from here on, before the drain check: a drain that began since is seen below, and one whose window ends
        // later finds the call at whatever step it has reached.
        var scope = scopes.Open();
        var call = scope.Call;
        var caller = callers.Open(context, call);
        BotLeg? bot = null;
        SetUpCall? setUp = null;
        try
        {
            using var logScope = logger.BeginScope(call);
            StreamRequest? request = null;
            var refusal = drain.IsDraining ? StreamRefusals.Draining() : StreamRequest.TryRead(context, _ingress.BodyMaxBytes, out request);
            refusal ??= registry.Current.IsLoaded ? null : StreamRefusals.RegistryUnavailable();
            if (refusal is not null)
            {
                await caller.RefuseAsync(refusal);
                return null;
            }

            // With no serviceHost in the URL the start frame names the agent: Telnyx gets its 101 first and sends it.
            var routedBy = request!.ServiceHost is null ? "start_frame" : "url";
            if (request.ServiceHost is null && !await caller.AcceptAndReadHandshakeAsync(bot: null))
            {
                return null;
            }

            var route = await router.RouteAsync(scope, request.ServiceHost ?? caller.Handshake!.Start.ServiceHost, request, context.RequestAborted);
            var admitted = route.Refusal is null ? await admission.AdmitAsync(call, route.Agent!, request.Body, context.RequestAborted) : default;
            if (admitted.Refusal is { } busy && CallQueueing.Queues(route.Agent!, busy))
            {
                // No bot free, and the agent queues its callers: the caller holds until one frees (or the stream is over).
                admitted = await queueing.WaitAsync(call, caller, route.Agent!, request.Body, busy);
                if (admitted is { Bot: null, Refusal: null })
                {
                    return null;
                }
            }

            if ((route.Refusal ?? admitted.Refusal) is { } refused)
            {
                await caller.RefuseAsync(refused);
                return null;
            }

            // Routed by the URL, the bot answered before Telnyx gets its 101; now Telnyx sends its handshake.
            bot = admitted.Bot!;
            if (!await caller.AcceptAndReadHandshakeAsync(bot.Socket))
            {
                return null;
            }

            setUp = new SetUpCall(relaying, logger, scope, caller.HandOver(), bot, route.Agent!, request.Body, route.RegistryRevision, routedBy);
            return setUp;
        }
        finally
        {
            if (setUp is null)
            {
                bot?.Dispose();
                caller.Dispose();
                await scope.DisposeAsync();
            }
        }
    }

    /// <summary>A call set up, and all it holds (none of it the request's), until its relay has ended.</summary>
    private sealed class SetUpCall(
        CallRelaying relaying,
        ILogger logger,
        LiveCallScope scope,
        AcceptedCaller caller,
        BotLeg bot,
        RegisteredAgent agent,
        SessionBody? body,
        long registryRevision,
        string routedBy)
    {
        public async Task RelayAsync()
        {
            await using (scope)
            using (caller)
            using (bot)
            using (logger.BeginScope(scope.Call))
            {
                await relaying.RelayAsync(scope.Call, caller.Socket, caller.Handshake, bot, agent, body, registryRevision, routedBy);
            }
        }
    }
}
