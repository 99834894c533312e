using System.Net.WebSockets;
using System.Text;
using Gateway.CallSimulator;

namespace Gateway.Tests.Infrastructure;

/// <summary>Shorthands for the calls tests place.</summary>
public static class TestCalls
{
    public const string SupportQuery = "serviceHost=support.acme";

    public static Task<TelnyxCallClient> DialAsync(Uri uri) => TelnyxCallClient.ConnectAsync(uri, Wait.Token());

    /// <summary>Standard padded base64 of UTF-8 JSON, as Pipecat Cloud documents the body.</summary>
    public static string Base64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json));

    /// <summary>Sends connected and start, as Telnyx opens every stream.</summary>
    public static async Task SendHandshakeAsync(TelnyxCallClient telnyx, TelnyxCallInfo call)
    {
        await telnyx.SendTextAsync(TelnyxFrames.Connected());
        await telnyx.SendTextAsync(TelnyxFrames.Start(call));
    }

    public static async Task<ReceivedFrame> ReceiveAsync(TelnyxCallClient telnyx) => await telnyx.ReceiveAsync(Wait.Token());

    /// <summary>
    /// Places a call through the gateway and waits until the bot holds its connected and start frames and, unless
    /// <paramref name="awaitSessionRecord"/> is false (Redis down), until the gateway's session record can be read.
    /// </summary>
    public static async Task<LiveTestCall> ConnectAsync(
        GatewayHost gateway, BotServer bot, string query = SupportQuery, TelnyxCallInfo? call = null, bool awaitSessionRecord = true)
    {
        call ??= TelnyxCallInfo.CreateRandom();
        var telnyx = await DialAsync(gateway.CallUri(query));
        await SendHandshakeAsync(telnyx, call);
        var botCall = await bot.NextCallAsync();
        Assert.Equal(TelnyxFrames.Connected(), (await botCall.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await botCall.ReceiveAsync()).Payload);

        // The gateway writes the session record beside the relay, not before it: wait until it can be read.
        var sessionId = botCall.Headers["X-Daily-Session-Id"];
        if (awaitSessionRecord)
        {
            await Wait.UntilRedisAsync(async () => await gateway.Sessions.GetAsync(sessionId) is not null, $"session {sessionId} is recorded");
        }

        return new LiveTestCall(telnyx, botCall, call);
    }

    /// <summary>The next frame is a close with this code and reason.</summary>
    public static void AssertClose(ReceivedFrame frame, WebSocketCloseStatus status, string? reason = null)
    {
        Assert.True(frame.IsClose, $"expected a close frame, got {frame.Type}: {(frame.IsClose ? string.Empty : frame.Text)}");
        Assert.Equal(status, frame.CloseStatus);
        if (reason is not null)
        {
            Assert.Equal(reason, frame.CloseDescription);
        }
    }
}

/// <summary>A call that crossed the gateway: Telnyx's side, the bot's side, and the call's ids.</summary>
public sealed record LiveTestCall(TelnyxCallClient Telnyx, BotCall Bot, TelnyxCallInfo Call) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => Telnyx.DisposeAsync();
}
