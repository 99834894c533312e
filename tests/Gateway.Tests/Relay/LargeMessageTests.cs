using System.Net.WebSockets;
using System.Text;
using Gateway.CallSimulator;
using Gateway.Core;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Relay;

/// <summary>A bot may send up to 30 s of audio in one message; larger ones are refused with 1009 on both legs.</summary>
public sealed class LargeMessageTests
{
    private const int TwoMebibytes = 2 * 1024 * 1024;

    [Fact]
    public async Task A_2_MiB_bot_message_reaches_Telnyx_intact()
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync();
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));
        await using var live = await TestCalls.ConnectAsync(gateway, bot);
        var message = MediaMessageOfExactly(TwoMebibytes);

        await live.Bot.SendTextAsync(message);
        await live.Bot.SendTextAsync(TelnyxFrames.BotMark("after-large"));

        var received = await TestCalls.ReceiveAsync(live.Telnyx);
        Assert.Equal(WebSocketMessageType.Text, received.Type);
        Assert.Equal(message.Length, received.Payload.Length);
        Assert.True(message.AsSpan().SequenceEqual(received.Payload));
        Assert.Equal(TelnyxFrames.BotMark("after-large"), (await TestCalls.ReceiveAsync(live.Telnyx)).Payload);
    }

    [Fact]
    public async Task A_bot_message_over_the_limit_closes_both_legs_with_1009()
    {
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Relay:BotMessageMaxBytes"] = "65536" });
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));
        await using var live = await TestCalls.ConnectAsync(gateway, bot);

        await live.Bot.SendTextAsync(MediaMessageOfExactly(65537));

        TestCalls.AssertClose(await TestCalls.ReceiveAsync(live.Telnyx), WebSocketCloseStatus.MessageTooBig, "bot message exceeds 65536 bytes");
        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.MessageTooBig, string.Empty);
        TestCalls.AssertClose(await live.Bot.ReceiveAsync(), WebSocketCloseStatus.MessageTooBig, "bot message exceeds 65536 bytes");
        await gateway.AssertCallGoneAsync(new AgentKey("acme", "support"));
    }

    /// <summary>A bot media message padded with base64 to exactly <paramref name="size"/> bytes.</summary>
    private static byte[] MediaMessageOfExactly(int size)
    {
        const string Prefix = "{\"event\":\"media\",\"media\":{\"payload\":\"";
        const string Suffix = "\"}}";
        var payloadLength = size - Prefix.Length - Suffix.Length;
        var payload = new StringBuilder(payloadLength);
        for (var i = 0; i < payloadLength; i++)
        {
            payload.Append("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i % 64]);
        }

        var message = Encoding.UTF8.GetBytes(Prefix + payload + Suffix);
        Assert.Equal(size, message.Length);
        return message;
    }
}
