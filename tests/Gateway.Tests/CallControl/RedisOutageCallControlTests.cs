using System.Net;
using Gateway.CallControl;
using Gateway.Credentials;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.CallControl;

/// <summary>
/// With Redis gone the organization's Telnyx key cannot be read: call control and dial-out say so with a 503 (nothing
/// reaches Telnyx), and a bot failure's action is skipped with a log line instead of failing the call's teardown.
/// </summary>
public sealed class RedisOutageCallControlTests
{
    [Fact]
    public async Task Call_control_and_dial_out_answer_503_while_Redis_is_down()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Redis, redis: redis.ConnectionString);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);

        await redis.StopAsync();
        var control = await lab.CallControlAsync(live.Call.CallControlId, "hangup", live.Bot.Headers[SessionCredentials.HeaderName]);
        var dial = await lab.DialAsync("""{"to":"+13125550100","from":"+13125550199"}""");

        CallControlAssert.Error(control, HttpStatusCode.ServiceUnavailable, "gateway_unavailable", "Gateway unavailable",
            "The gateway could not read the call's session or its organization's Telnyx settings; try again.");
        dial.AssertProblem(HttpStatusCode.ServiceUnavailable, "telnyx_settings_unavailable");
        Assert.Empty(lab.Telnyx.Requests);
    }

    [Fact]
    public async Task A_bot_failure_while_Redis_is_down_is_logged_and_the_call_still_ends_cleanly()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var lab = await TelnyxApiLab.StartAsync(GatewayMode.Redis, agent => agent with
        {
            OnBotFailure = new BotFailureAction { Action = BotFailureMode.Hangup },
        }, redis: redis.ConnectionString);
        await using var live = await TestCalls.ConnectAsync(lab.Gateway, lab.Bot);
        await redis.StopAsync();

        live.Bot.Abort();
        var close = await TestCalls.ReceiveAsync(live.Telnyx);
        TestCalls.AssertClose(close, System.Net.WebSockets.WebSocketCloseStatus.InternalServerError, "bot connection lost");
        await Task.Delay(200);
        await live.Telnyx.AnswerCloseAsync(close);

        await Wait.UntilAsync(() => lab.Gateway.LiveCalls.Count == 0, "the call is over");
        Assert.Contains(lab.Gateway.Logs.Lines, l => l.Contains("the bot failed and 'hangup'", StringComparison.Ordinal) && l.Contains("could not be sent", StringComparison.Ordinal));
        Assert.Empty(lab.Telnyx.Requests);
    }
}
