using System.Net.WebSockets;
using System.Text;
using Gateway.CallSimulator;
using Gateway.Calls;
using Gateway.Core;
using Gateway.Ingress;
using Gateway.Metrics;
using Gateway.Relay;
using Gateway.Tests.Infrastructure;
using Gateway.Tests.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Calls;

/// <summary>The handshake stage on its own, over in-memory WebSockets: Telnyx's first frames, or the specific close.</summary>
public sealed class HandshakeReaderTests
{
    private readonly GatewayMetrics _metrics = new();
    private readonly LiveCall _call = new("session-1", TimeProvider.System.GetTimestamp());

    [Fact]
    public async Task Connected_and_start_are_read_byte_for_byte()
    {
        var (gateway, telnyx) = InMemoryWebSockets.Pair();
        var call = TelnyxCallInfo.CreateRandom();
        await SendAsync(telnyx, TelnyxFrames.Connected());
        await SendAsync(telnyx, TelnyxFrames.Start(call));

        using var handshake = await Reader().ReadAsync(gateway, _call, bot: null);

        Assert.Equal(TelnyxFrames.Connected(), handshake!.Connected.ToArray());
        Assert.Equal(TelnyxFrames.Start(call), handshake.StartBytes.ToArray());
        Assert.Equal(call.StreamId, handshake.Start.StreamId);
    }

    [Fact]
    public async Task A_binary_first_frame_closes_the_caller_and_the_connected_bot_with_1003_and_is_counted()
    {
        var (gateway, telnyx) = InMemoryWebSockets.Pair();
        var (botLeg, bot) = InMemoryWebSockets.Pair();
        await telnyx.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, endOfMessage: true, CancellationToken.None);
        var callerClose = ReceiveCloseAsync(telnyx);
        var botClose = ReceiveCloseAsync(bot);

        var handshake = await Reader().ReadAsync(gateway, _call, botLeg);

        Assert.Null(handshake);
        Assert.Equal((WebSocketCloseStatus.InvalidMessageType, "expected Telnyx JSON text frames, got a binary frame"), await callerClose);
        Assert.Equal((WebSocketCloseStatus.InvalidMessageType, "expected Telnyx JSON text frames, got a binary frame"), await botClose);
        Assert.Equal(1, Ended(CallOutcomes.HandshakeFailed));
    }

    [Fact]
    public async Task No_start_within_the_deadline_closes_the_caller_with_1008()
    {
        var (gateway, telnyx) = InMemoryWebSockets.Pair();
        await SendAsync(telnyx, TelnyxFrames.Connected());
        var callerClose = ReceiveCloseAsync(telnyx);

        var handshake = await Reader(handshakeTimeout: TimeSpan.FromMilliseconds(200)).ReadAsync(gateway, _call, bot: null);

        Assert.Null(handshake);
        Assert.Equal((WebSocketCloseStatus.PolicyViolation, "no start frame within 0.2 s"), await callerClose);
        Assert.Equal(1, Ended(CallOutcomes.HandshakeFailed));
    }

    [Fact]
    public async Task The_end_of_the_drain_window_closes_a_stream_still_in_its_handshake_with_1001()
    {
        var (gateway, telnyx) = InMemoryWebSockets.Pair();
        var callerClose = ReceiveCloseAsync(telnyx);

        var reading = Reader().ReadAsync(gateway, _call, bot: null);
        _call.Drain();

        Assert.Null(await reading);
        Assert.Equal((CloseCodes.GatewayShuttingDown, CloseCodes.GatewayShuttingDownReason), await callerClose);
        Assert.Equal(1, Ended(CallOutcomes.Drained));
    }

    private HandshakeReader Reader(TimeSpan? handshakeTimeout = null) => new(
        _metrics,
        Options.Create(new IngressOptions { HandshakeTimeout = handshakeTimeout ?? TimeSpan.FromSeconds(5) }),
        Options.Create(new RelayOptions()),
        TimeProvider.System,
        NullLogger<HandshakeReader>.Instance);

    private double Ended(string outcome) =>
        MetricsText.CollectAsync(_metrics).GetAwaiter().GetResult().Value($"gateway_calls_ended_total{{org=\"\",agent=\"\",outcome=\"{outcome}\"}}") ?? 0;

    private static Task SendAsync(WebSocket socket, byte[] frame) => socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);

    /// <summary>Reads until the peer's close and answers it, as Telnyx and a bot do.</summary>
    private static async Task<(WebSocketCloseStatus? Status, string? Reason)> ReceiveCloseAsync(WebSocket socket)
    {
        var buffer = new byte[4096];
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, Wait.Token());
            if (received.MessageType == WebSocketMessageType.Close)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                return (received.CloseStatus, received.CloseStatusDescription);
            }
        }
    }
}
