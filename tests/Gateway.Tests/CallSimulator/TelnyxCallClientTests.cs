using System.Net.WebSockets;
using System.Text;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.CallSimulator;

/// <summary>
/// Receiving in place (<see cref="TelnyxCallClient.ReceiveInPlaceAsync"/>), as every simulated call's receiver does: each
/// whole message in the client's own buffer, the next one in its place, the close as a frame of its own.
/// </summary>
public sealed class TelnyxCallClientTests
{
    [Fact]
    public async Task Each_whole_message_is_the_clients_Message_until_the_next_receive_and_the_close_is_its_CloseFrame()
    {
        await using var bot = await BotServer.StartAsync();
        await using var client = await TelnyxCallClient.ConnectAsync(bot.WsUri, Wait.Token());
        var botCall = await bot.NextCallAsync();
        // Longer than one receive chunk (16 KiB): read in several parts, kept whole.
        var large = Encoding.UTF8.GetBytes(new string('a', 40_000) + "z");
        byte[] small = [1, 2, 3];

        await botCall.SendTextAsync(large);
        await botCall.SendBinaryAsync(small);
        await botCall.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "call ended");

        Assert.Equal(WebSocketMessageType.Text, await client.ReceiveInPlaceAsync(Wait.Token()));
        Assert.Equal(large, client.Message.ToArray());
        Assert.Equal(WebSocketMessageType.Binary, await client.ReceiveInPlaceAsync(Wait.Token()));
        Assert.Equal(small, client.Message.ToArray());
        Assert.Equal(WebSocketMessageType.Close, await client.ReceiveInPlaceAsync(Wait.Token()));
        TestCalls.AssertClose(client.CloseFrame, WebSocketCloseStatus.NormalClosure, "call ended");
    }

    [Fact]
    public async Task A_copied_receive_keeps_its_bytes_after_the_next_message_arrives()
    {
        await using var bot = await BotServer.StartAsync();
        await using var client = await TelnyxCallClient.ConnectAsync(bot.WsUri, Wait.Token());
        var botCall = await bot.NextCallAsync();

        await botCall.SendTextAsync("first"u8.ToArray());
        await botCall.SendTextAsync("later"u8.ToArray());
        var first = await client.ReceiveAsync(Wait.Token());
        Assert.Equal(WebSocketMessageType.Text, await client.ReceiveInPlaceAsync(Wait.Token()));

        Assert.Equal("first", first.Text);
        Assert.Equal("later"u8.ToArray(), client.Message.ToArray());
    }
}
