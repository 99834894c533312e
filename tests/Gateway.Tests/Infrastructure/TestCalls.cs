using System.Text;
using Gateway.CallSimulator;

namespace Gateway.Tests.Infrastructure;

/// <summary>Shorthands for the calls tests place.</summary>
public static class TestCalls
{
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
}
