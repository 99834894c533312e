using System.Net.WebSockets;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.CallControl;

/// <summary>
/// An agent's <c>onBotFailure</c>: when its bot drops a live call abnormally the gateway hangs the phone call up (or
/// transfers it) with the tenant's key; a bot that ends its call normally, or a caller who hangs up, triggers nothing.
/// </summary>
public sealed class BotFailureActionTests
{
    private static readonly BotFailureAction Hangup = new() { Action = BotFailureMode.Hangup };

    private static readonly TimeSpan CloseAnswerDelay = TimeSpan.FromMilliseconds(200);

    [Theory]
    [MemberData(nameof(GatewayModes.Both), MemberType = typeof(GatewayModes))]
    public async Task A_bot_that_vanishes_gets_the_call_hung_up(GatewayMode mode)
    {
        await using var lab = await TelnyxApiLab.StartAsync(mode, agent => agent with { OnBotFailure = Hangup });
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        live.Bot.Abort();
        await AnswerTheGatewaysCloseAsync(live, WebSocketCloseStatus.InternalServerError);

        var hangup = await lab.Telnyx.NextRequestAsync();
        Assert.Equal("POST", hangup.Method);
        Assert.Equal($"/v2/calls/{live.Call.CallControlId}/actions/hangup", hangup.Path);
        Assert.Equal($"/v2/calls/{Uri.EscapeDataString(live.Call.CallControlId)}/actions/hangup", hangup.RawTarget);
        Assert.Equal("Bearer " + TelnyxApiLab.AcmeApiKey, hangup.Authorization);
        Assert.Equal("{}", hangup.BodyText);
        await lab.Gateway.AssertCallGoneAsync(TelnyxApiLab.Support);
        Assert.Single(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task A_bot_that_closes_with_an_error_code_gets_the_call_hung_up()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, agent => agent with { OnBotFailure = Hangup });
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        await live.Bot.CloseOutputAsync(WebSocketCloseStatus.InternalServerError, "pipeline crashed");
        await AnswerTheGatewaysCloseAsync(live, WebSocketCloseStatus.InternalServerError);

        var hangup = await lab.Telnyx.NextRequestAsync();
        Assert.Equal($"/v2/calls/{live.Call.CallControlId}/actions/hangup", hangup.Path);
        Assert.Equal("Bearer " + TelnyxApiLab.AcmeApiKey, hangup.Authorization);
    }

    [Fact]
    public async Task The_transfer_variant_sends_the_caller_to_the_configured_number()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, agent => agent with
        {
            OnBotFailure = new BotFailureAction { Action = BotFailureMode.Transfer, TransferTo = "+13125550123" },
        });
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        live.Bot.Abort();
        await AnswerTheGatewaysCloseAsync(live, WebSocketCloseStatus.InternalServerError);

        var transfer = await lab.Telnyx.NextRequestAsync();
        Assert.Equal("POST", transfer.Method);
        Assert.Equal($"/v2/calls/{live.Call.CallControlId}/actions/transfer", transfer.Path);
        Assert.Equal("Bearer " + TelnyxApiLab.AcmeApiKey, transfer.Authorization);
        Assert.StartsWith("application/json", transfer.Headers["Content-Type"], StringComparison.Ordinal);
        var body = transfer.Json;
        Assert.Equal(["to"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal("+13125550123", body.GetProperty("to").GetString());
    }

    [Theory]
    [InlineData(BotFailureMode.Hangup)]
    [InlineData(BotFailureMode.Transfer)]
    public async Task A_bot_that_ends_its_call_normally_triggers_nothing(BotFailureMode mode)
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, agent => agent with
        {
            OnBotFailure = new BotFailureAction { Action = mode, TransferTo = mode == BotFailureMode.Transfer ? "+13125550123" : null },
        });
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        await live.Bot.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "goodbye");
        await AnswerTheGatewaysCloseAsync(live, WebSocketCloseStatus.NormalClosure);

        // The action would be sent before the session record goes: once the call is gone, nothing will be.
        await lab.Gateway.AssertCallGoneAsync(TelnyxApiLab.Support);
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task A_caller_who_hangs_up_triggers_nothing()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, agent => agent with { OnBotFailure = Hangup });
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        // The bot answers the gateway's 1011 with 1011, as Pipecat's websockets library does: the call still ended
        // on Telnyx's side, not the bot's.
        live.Bot.CloseAnswerDelay = CloseAnswerDelay;
        live.Telnyx.Abort();

        TestCalls.AssertClose(await live.Bot.ReceiveAsync(), WebSocketCloseStatus.InternalServerError, "telnyx connection lost");
        await lab.Gateway.AssertCallGoneAsync(TelnyxApiLab.Support);
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task A_caller_who_closes_normally_triggers_nothing()
    {
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Embedded, agent => agent with { OnBotFailure = Hangup });
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        await live.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "stream stopped");

        TestCalls.AssertClose(await TestCalls.ReceiveAsync(live.Telnyx), WebSocketCloseStatus.NormalClosure, "stream stopped");
        await lab.Gateway.AssertCallGoneAsync(TelnyxApiLab.Support);
        Assert.Empty(lab.Telnyx.Requests);
    }

    /// <summary>
    /// Telnyx's side of the relay's close: the gateway closes the stream, Telnyx answers, a moment later. Answered at
    /// once, the answer can race the relay's bookkeeping of which side ended first (<c>CallRelay.RunAsync</c> takes the
    /// pump task that completes first, not the leg that ended first), which these tests are not about.
    /// </summary>
    private static async Task AnswerTheGatewaysCloseAsync(LiveTestCall live, WebSocketCloseStatus expected)
    {
        var close = await TestCalls.ReceiveAsync(live.Telnyx);
        TestCalls.AssertClose(close, expected);
        await Task.Delay(CloseAnswerDelay);
        await live.Telnyx.AnswerCloseAsync(close);
    }
}
