using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Calls;

/// <summary>When the drain window ends, calls still live are closed with 1001 on both legs.</summary>
public sealed class DrainTests
{
    [Fact]
    public async Task Calls_live_at_the_end_of_the_drain_window_close_with_1001_on_both_sides()
    {
        await using var bot = await BotServer.StartAsync();
        var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:DrainWindow"] = "00:00:01" });
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));
        await using var live = await TestCalls.ConnectAsync(gateway, bot);

        var liveCalls = gateway.LiveCalls;
        var stopping = gateway.DisposeAsync().AsTask();

        // Within the window the call still relays.
        var media = TelnyxFrames.Media(live.Call, 2, 1, 0, TelnyxFrames.SilenceFrame(1));
        await live.Telnyx.SendTextAsync(media);
        Assert.Equal(media, (await live.Bot.ReceiveAsync()).Payload);

        TestCalls.AssertClose(await live.Bot.ReceiveAsync(), WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");
        TestCalls.AssertClose(await TestCalls.ReceiveAsync(live.Telnyx), WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");
        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, string.Empty);
        await stopping;
        Assert.Equal(0, liveCalls.Count);
    }
}
