using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Relay;

/// <summary>
/// Whichever side ends the call, the other side is closed with the same code and reason, or with 1011 when the side
/// vanished; afterwards the session record, the claim and both connections are gone.
/// </summary>
public sealed class TeardownTests : GatewayWithBotTest
{
    [Theory]
    [InlineData(WebSocketCloseStatus.NormalClosure, "goodbye")]
    [InlineData(WebSocketCloseStatus.InternalServerError, "pipeline crashed")]
    [InlineData((WebSocketCloseStatus)4003, "custom bot code")]
    public async Task ABot_close_reaches_Telnyx_with_its_code_and_reason(WebSocketCloseStatus status, string reason)
    {
        await using var live = await TestCalls.ConnectAsync(Gateway, Bot);
        Assert.Single(await Gateway.Sessions.ListAsync("acme"));

        await live.Bot.CloseOutputAsync(status, reason);

        TestCalls.AssertClose(await TestCalls.ReceiveAsync(live.Telnyx), status, reason);
        await live.Telnyx.CloseOutputAsync(status, reason);
        await AssertEverythingReleasedAsync();
    }

    [Fact]
    public async Task A_Telnyx_close_reaches_theBot_with_its_code_and_reason()
    {
        await using var live = await TestCalls.ConnectAsync(Gateway, Bot);
        await live.Telnyx.SendTextAsync(TelnyxFrames.Stop(live.Call, 2));

        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "stream stopped");

        Assert.Equal(TelnyxFrames.Stop(live.Call, 2), (await live.Bot.ReceiveAsync()).Payload);
        TestCalls.AssertClose(await live.Bot.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "stream stopped");
        TestCalls.AssertClose(await TestCalls.ReceiveAsync(live.Telnyx), WebSocketCloseStatus.NormalClosure, "stream stopped");
        await AssertEverythingReleasedAsync();
    }

    [Fact]
    public async Task ABot_that_vanishes_closes_Telnyx_with_1011()
    {
        await using var live = await TestCalls.ConnectAsync(Gateway, Bot);

        live.Bot.Abort();

        TestCalls.AssertClose(await TestCalls.ReceiveAsync(live.Telnyx), WebSocketCloseStatus.InternalServerError, "bot connection lost");
        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, string.Empty);
        await AssertEverythingReleasedAsync();
    }

    [Fact]
    public async Task A_Telnyx_connection_that_vanishes_closes_theBot_with_1011()
    {
        await using var live = await TestCalls.ConnectAsync(Gateway, Bot);

        live.Telnyx.Abort();

        TestCalls.AssertClose(await live.Bot.ReceiveAsync(), WebSocketCloseStatus.InternalServerError, "telnyx connection lost");
        await AssertEverythingReleasedAsync();
    }

    [Fact]
    public async Task ABot_that_never_answers_the_close_is_dropped_after_the_close_timeout()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Relay:CloseTimeout"] = "00:00:00.300" });
        await gateway.PutAgentAsync("acme", "support", ("bot-1", Bot.WsUri, 1));
        await using var live = await TestCalls.ConnectAsync(gateway, Bot);
        live.Bot.AnswerCloses = false;

        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "hung up");

        TestCalls.AssertClose(await live.Bot.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "hung up");
        await gateway.AssertCallGoneAsync(Support);
        await Wait.UntilAsync(() => Bot.OpenConnections == 0, "the silent bot's connection is dropped");
    }

    private async Task AssertEverythingReleasedAsync()
    {
        await Gateway.AssertCallGoneAsync(Support);
        await Wait.UntilAsync(() => Bot.OpenConnections == 0, "the bot connection is closed");
    }
}
