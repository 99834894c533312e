using Gateway.CallSimulator;
using Gateway.Core;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Calls;

/// <summary>With Redis gone, live calls go on and new calls for known agents still route on the last known registry.</summary>
public sealed class RedisOutageTests
{
    [Fact]
    public async Task Calls_keep_flowing_and_new_calls_route_while_Redis_is_down()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(redis.ConnectionString);
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 2));
        await using var before = await TestCalls.ConnectAsync(gateway, bot);

        await redis.StopAsync();

        var media = TelnyxFrames.Media(before.Call, 2, 1, 0, TelnyxFrames.SilenceFrame(1));
        await before.Telnyx.SendTextAsync(media);
        Assert.Equal(media, (await before.Bot.ReceiveAsync()).Payload);
        await before.Bot.SendTextAsync(TelnyxFrames.BotMedia(TelnyxFrames.SilenceFrame(1)));
        Assert.Equal(TelnyxFrames.BotMedia(TelnyxFrames.SilenceFrame(1)), (await TestCalls.ReceiveAsync(before.Telnyx)).Payload);

        await using var during = await TestCalls.ConnectAsync(gateway, bot, awaitSessionRecord: false);
        var echoed = TelnyxFrames.Media(during.Call, 2, 1, 0, TelnyxFrames.SilenceFrame(9));
        await during.Telnyx.SendTextAsync(echoed);
        Assert.Equal(echoed, (await during.Bot.ReceiveAsync()).Payload);
        Assert.Contains(gateway.Logs.Lines, l => l.Contains("on local accounting", StringComparison.Ordinal));
        Assert.True(gateway.Registry.Current.TryGet(new AgentKey("acme", "support"), out _));
    }
}
