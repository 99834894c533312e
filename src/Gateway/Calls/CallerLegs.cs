using System.Net.WebSockets;
using Gateway.Core;
using Gateway.Relay;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Gateway.Calls;

/// <summary>Opens each call's <see cref="CallerLeg"/> and holds what every stream shares.</summary>
public sealed class CallerLegs(
    HandshakeReader handshakes,
    ICallTelemetry telemetry,
    IOptions<RelayOptions> relayOptions,
    TimeProvider time,
    ILogger<CallerLeg> logger)
{
    private readonly RelayOptions _relay = relayOptions.Value;

    internal HandshakeReader Handshakes => handshakes;

    internal ICallTelemetry Telemetry => telemetry;

    internal ILogger Logger => logger;

    internal TimeProvider Time => time;

    public CallerLeg Open(HttpContext context, LiveCall call) => new(context, call, this);

    internal Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason) =>
        WebSocketClosing.CloseAsync(socket, status, reason, _relay.CloseTimeout, time);
}
