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
/// stands (problem+json before the 101, a close frame after it).
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

        // Live from here on, before the drain check: a drain that began since is seen below, and one whose window ends
        // later finds the call at whatever step it has reached.
        await using var scope = scopes.Open();
        var call = scope.Call;
        using var logScope = logger.BeginScope(call);
        using var caller = callers.Open(context, call);
        StreamRequest? request = null;
        var refusal = drain.IsDraining ? StreamRefusals.Draining() : StreamRequest.TryRead(context, _ingress.BodyMaxBytes, out request);
        refusal ??= registry.Current.IsLoaded ? null : StreamRefusals.RegistryUnavailable();
        if (refusal is not null)
        {
            await caller.RefuseAsync(refusal);
            return;
        }

        // With no serviceHost in the URL the start frame names the agent: Telnyx gets its 101 first and sends it.
        var routedBy = request!.ServiceHost is null ? "start_frame" : "url";
        if (request.ServiceHost is null && !await caller.AcceptAndReadHandshakeAsync(bot: null))
        {
            return;
        }

        var route = await router.RouteAsync(scope, request.ServiceHost ?? caller.Handshake!.Start.ServiceHost, request, context.RequestAborted);
        var admitted = route.Refusal is null ? await admission.AdmitAsync(call, route.Agent!, request.Body, context.RequestAborted) : default;
        if (admitted.Refusal is { } busy && CallQueueing.Queues(route.Agent!, busy))
        {
            // No bot free, and the agent queues its callers: the caller holds until one frees (or the stream is over).
            admitted = await queueing.WaitAsync(call, caller, route.Agent!, request.Body, busy);
            if (admitted is { Bot: null, Refusal: null })
            {
                return;
            }
        }

        if ((route.Refusal ?? admitted.Refusal) is { } refused)
        {
            await caller.RefuseAsync(refused);
            return;
        }

        // Routed by the URL, the bot answered before Telnyx gets its 101; now Telnyx sends its handshake.
        using var bot = admitted.Bot!;
        if (await caller.AcceptAndReadHandshakeAsync(bot.Socket))
        {
            await relaying.RelayAsync(call, caller.Socket!, caller.Handshake!, bot, route.Agent!, request.Body, route.RegistryRevision, routedBy);
        }
    }
}
