using System.Net.WebSockets;
using Gateway.CallSimulator;
using Gateway.Calls;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Calls;

/// <summary>A caller waiting in the agent's queue hears the agent's hold clip, as a caller whose bot dropped does.</summary>
public sealed class HoldAudioQueueTests : IAsyncLifetime
{
    private static readonly AgentKey Support = new("acme", "support");

    private BotServer _bot = null!;
    private GatewayHost _gateway = null!;

    [Fact]
    public async Task A_caller_waiting_for_a_free_bot_hears_the_clip_from_its_first_frame_then_a_clear()
    {
        var samples = TestWavs.Tone(1);
        var wav = TestWavs.Pcm(samples);
        var revision = await _gateway.PutAgentAsync(Support, new AgentResource
        {
            Instances = [new AgentInstance { Id = "bot-1", Url = _bot.WsUri, Capacity = 1 }],
        });
        Assert.NotNull(await _gateway.Registry.PutHoldClipIfRevisionAsync(Support, TestWavs.Reference(wav), wav, revision));
        await _gateway.PutAgentAsync(Support, new AgentResource
        {
            Instances = [new AgentInstance { Id = "bot-1", Url = _bot.WsUri, Capacity = 1 }],
            Continuity = new AgentContinuity { Queue = new QueuePolicy(maxWaitSeconds: 30, maxLength: 5), Hold = HoldAudioKind.Clip },
        });
        await using var holder = await TestCalls.ConnectAsync(_gateway, _bot);
        var call = TelnyxCallInfo.CreateRandom();
        await using var waiting = await TestCalls.DialAsync(_gateway.CallUri("serviceHost=support.acme"));
        await TestCalls.SendHandshakeAsync(waiting, call);

        var clip = HoldAudio.ClipFrames(samples, 8000, "PCMU", 8000);
        var held = new List<byte[]>();
        for (var i = 0; i < 60; i++)
        {
            held.Add((await TestCalls.ReceiveAsync(waiting)).Payload);
        }

        // The clip's 50 frames, then the clip again from its start.
        Assert.Equal(clip.Concat(clip.Take(10)), held);

        var taken = _bot.NextCallAsync();
        await holder.Telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye");
        var bot = await taken;
        ReceivedFrame frame;
        while ((frame = await TestCalls.ReceiveAsync(waiting)).Text != """{"event":"clear"}""")
        {
            Assert.Contains(frame.Payload, clip);
        }

        Assert.Equal(TelnyxFrames.Connected(), (await bot.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await bot.ReceiveAsync()).Payload);
        await waiting.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye");
        TestCalls.AssertClose(await bot.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "bye");
    }

    public async Task InitializeAsync()
    {
        _bot = await BotServer.StartAsync();
        _gateway = await GatewayHost.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _bot.DisposeAsync();
    }
}
