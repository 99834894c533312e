using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Gateway.Credentials;
using Gateway.Telnyx;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.CallControl;

/// <summary>
/// Sends a bot's Call Control request on to Telnyx with YARP's forwarder: method, path, query and body as the bot
/// sent them; the bot's credential replaced by the tenant's API key; Telnyx's status, headers and body back as is.
/// </summary>
public sealed partial class CallControlForwarder : IDisposable
{
    private readonly IHttpForwarder _forwarder;
    private readonly HttpMessageInvoker _invoker;
    private readonly string _destination;
    private readonly ILogger<CallControlForwarder> _logger;

    public CallControlForwarder(IHttpForwarder forwarder, IOptions<TelnyxOptions> options, ILogger<CallControlForwarder> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _forwarder = forwarder;
        _logger = logger;
        _destination = options.Value.ApiBaseUrl.ToString().TrimEnd('/');

        // YARP's recommended client for forwarding: no proxy, redirects, cookies or decompression of its own.
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            ActivityHeadersPropagator = new ReverseProxyPropagator(DistributedContextPropagator.Current),
            ConnectTimeout = TimeSpan.FromSeconds(5),

            // Held for the life of the process: new connections now and then pick up DNS changes of Telnyx's API.
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
    }

    public async Task ForwardAsync(HttpContext context, string tenantApiKey, string sessionId)
    {
        var error = await _forwarder.SendAsync(context, _destination, _invoker, new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromSeconds(30) }, new TenantKeyTransformer(tenantApiKey));
        if (error == ForwarderError.None)
        {
            return;
        }

        LogForwardFailed(_logger, sessionId, error, context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message);

        // YARP leaves a bare 502 (504 on a timeout); a Telnyx SDK reads errors from the body, so say what happened the
        // way Telnyx would. Only when Telnyx never answered: its own answer, even half sent, is not overwritten.
        if (error is ForwarderError.Request or ForwarderError.RequestTimedOut && !context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var refusal = error == ForwarderError.RequestTimedOut ? CallControlRefusals.TelnyxTimeout() : CallControlRefusals.TelnyxUnreachable();
            await refusal.ExecuteAsync(context);
        }
    }

    public void Dispose() => _invoker.Dispose();

    /// <summary>The credential swap: nothing of the bot's authentication, nor the gateway's forwarding headers, reaches Telnyx.</summary>
    private sealed class TenantKeyTransformer(string apiKey) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            proxyRequest.Headers.Remove(SessionCredentials.HeaderName);
            proxyRequest.Headers.Remove("X-Forwarded-For");
            proxyRequest.Headers.Remove("X-Forwarded-Host");
            proxyRequest.Headers.Remove("X-Forwarded-Proto");
            proxyRequest.Headers.Remove("X-Forwarded-Prefix");
            proxyRequest.Headers.Remove("Forwarded");
            proxyRequest.Headers.Host = null;
        }
    }

    [LoggerMessage(EventId = 11003, Level = LogLevel.Warning, Message = "Session {SessionId}: forwarding call control to Telnyx failed ({Error}): {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, string sessionId, ForwarderError error, string? reason);
}
