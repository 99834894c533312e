using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Relay;

/// <summary>
/// An HTTPS endpoint configured in Kestrel serves <c>wss://</c>: the caller leg the gateway owns after the upgrade is the
/// decrypted stream, and frames cross it both ways as over plain HTTP.
/// </summary>
public sealed class TlsStreamTests : IDisposable
{
    private readonly string _certificatePath = Path.Combine(Path.GetTempPath(), $"gateway-tls-{Guid.NewGuid():N}.pfx");

    [Fact]
    public async Task A_call_over_wss_crosses_the_gateway_both_ways()
    {
        WriteSelfSignedCertificate(_certificatePath);
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Tls:Url"] = "https://127.0.0.1:0",
            ["Kestrel:Endpoints:Tls:Certificate:Path"] = _certificatePath,
            ["Kestrel:Endpoints:Tls:Certificate:Password"] = "test",
        });
        Assert.Equal("https", gateway.BaseUri.Scheme);
        await gateway.PutAgentAsync("acme", "support", ("bot-1", bot.WsUri, 1));
        using var telnyx = new ClientWebSocket();
        telnyx.Options.RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.Subject == "CN=gateway.test";
        await telnyx.ConnectAsync(new Uri($"wss://{gateway.BaseUri.Authority}/ws/telnyx?serviceHost=support.acme"), Wait.Token());
        var call = TelnyxCallInfo.CreateRandom();

        await telnyx.SendAsync(TelnyxFrames.Connected(), WebSocketMessageType.Text, endOfMessage: true, Wait.Token());
        await telnyx.SendAsync(TelnyxFrames.Start(call), WebSocketMessageType.Text, endOfMessage: true, Wait.Token());
        var botCall = await bot.NextCallAsync();
        Assert.Equal(TelnyxFrames.Connected(), (await botCall.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await botCall.ReceiveAsync()).Payload);
        await botCall.SendTextAsync(TelnyxFrames.BotMark("over-tls"));
        var buffer = new byte[1024];
        var received = await telnyx.ReceiveAsync(buffer, Wait.Token());
        Assert.Equal(TelnyxFrames.BotMark("over-tls"), buffer.AsSpan(0, received.Count).ToArray());

        await telnyx.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", Wait.Token());
        TestCalls.AssertClose(await botCall.ReceiveAsync(), WebSocketCloseStatus.NormalClosure, "done");
    }

    public void Dispose() => File.Delete(_certificatePath);

    private static void WriteSelfSignedCertificate(string path)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=gateway.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx, "test"));
    }
}
