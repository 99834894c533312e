using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text.Json;
using Gateway.CallSimulator;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Calls;

/// <summary>
/// The drain as Kubernetes drives it: the built gateway as its own OS process, sent SIGTERM while a call is live.
/// </summary>
public sealed class ProcessDrainTests
{
    private static readonly TimeSpan DrainWindow = TimeSpan.FromSeconds(3);
    private static readonly HttpClient Client = new();

    [Fact]
    public async Task On_SIGTERM_the_gateway_turns_unready_refuses_new_calls_relays_live_ones_through_the_window_then_closes_them_with_1001_and_exits_0()
    {
        Assert.True(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "SIGTERM needs a POSIX system");
        await using var bot = await BotServer.StartAsync();
        await using var gateway = await GatewayProcess.StartAsync(bot.WsUri, DrainWindow);

        var call = TelnyxCallInfo.CreateRandom();
        await using var telnyx = await TestCalls.DialAsync(gateway.CallUri(TestCalls.SupportQuery));
        await TestCalls.SendHandshakeAsync(telnyx, call);
        var botCall = await bot.NextCallAsync();
        Assert.Equal(TelnyxFrames.Connected(), (await botCall.ReceiveAsync()).Payload);
        Assert.Equal(TelnyxFrames.Start(call), (await botCall.ReceiveAsync()).Payload);

        var signalled = Stopwatch.StartNew();
        gateway.Terminate();

        // Readiness fails at once (the pod leaves the Service) while the listener stays open.
        await Wait.UntilAsync(
            async () => (await Client.GetAsync(gateway.HttpUri("/readyz"))).StatusCode == HttpStatusCode.ServiceUnavailable,
            "readiness fails",
            TimeSpan.FromSeconds(1));
        Assert.True(signalled.Elapsed < DrainWindow, $"readiness failed only after {signalled.Elapsed}");
        var refused = await UpgradeRequest.SendAsync(gateway.CallUri(TestCalls.SupportQuery));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal("draining", refused.Problem.GetProperty("code").GetString());
        var metrics = await Client.GetStringAsync(gateway.HttpUri("/metrics"));
        Assert.Contains("\ngateway_draining 1\n", metrics, StringComparison.Ordinal);

        // The live call keeps relaying both ways during the window.
        for (var i = 0; i < 3; i++)
        {
            var media = TelnyxFrames.Media(call, i + 3, i + 1, i * 20, TelnyxFrames.SilenceFrame(i));
            await telnyx.SendTextAsync(media);
            Assert.Equal(media, (await botCall.ReceiveAsync()).Payload);
            var reply = TelnyxFrames.BotMedia(TelnyxFrames.SilenceFrame(100 + i));
            await botCall.SendTextAsync(reply);
            Assert.Equal(reply, (await TestCalls.ReceiveAsync(telnyx)).Payload);
            await Task.Delay(500);
        }

        // At the end of the window both legs get 1001, and not before.
        TestCalls.AssertClose(await botCall.ReceiveAsync(), WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");
        var close = await TestCalls.ReceiveAsync(telnyx);
        TestCalls.AssertClose(close, WebSocketCloseStatus.EndpointUnavailable, "gateway shutting down");
        Assert.True(signalled.Elapsed >= DrainWindow - TimeSpan.FromMilliseconds(100), $"the call was closed {signalled.Elapsed} after SIGTERM, inside the window");
        await telnyx.AnswerCloseAsync(close, Wait.Token());

        var exitCode = await gateway.WaitForExitAsync(DrainWindow + TimeSpan.FromSeconds(10) - signalled.Elapsed);
        Assert.Equal(0, exitCode);

        // Its console spoke JSON (Logging:Console:FormatterName=json), and the call's lines carry its session, org
        // and agent as a scope.
        var sessionId = botCall.Headers["X-Daily-Session-Id"];
        var lines = gateway.Output.Select(line => JsonDocument.Parse(line).RootElement).ToList();
        var started = lines.Single(l => l.GetProperty("EventId").GetInt32() == 1002);
        Assert.Contains(sessionId, started.GetProperty("Message").GetString(), StringComparison.Ordinal);
        var scope = started.GetProperty("Scopes").EnumerateArray().Single(s => s.TryGetProperty("SessionId", out _));
        Assert.Equal(sessionId, scope.GetProperty("SessionId").GetString());
        Assert.Equal("acme", scope.GetProperty("Org").GetString());
        Assert.Equal("support", scope.GetProperty("Agent").GetString());
        var ended = lines.Single(l => l.GetProperty("EventId").GetInt32() == 1003);
        Assert.Equal(sessionId, ended.GetProperty("Scopes").EnumerateArray().Single(s => s.TryGetProperty("SessionId", out _)).GetProperty("SessionId").GetString());
        Assert.Contains(lines, l => l.GetProperty("EventId").GetInt32() == 7002);
    }

    /// <summary>The gateway as <c>dotnet Gateway.dll</c>, built beside the tests, with a seed routing support.acme to one bot.</summary>
    private sealed class GatewayProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly string _seedDirectory;
        private readonly ConcurrentQueue<string> _output = new();

        private GatewayProcess(Process process, string seedDirectory, Uri baseUri)
        {
            _process = process;
            _seedDirectory = seedDirectory;
            BaseUri = baseUri;
        }

        public Uri BaseUri { get; }

        /// <summary>Standard output, one line per log entry.</summary>
        public IReadOnlyCollection<string> Output => [.. _output];

        public static async Task<GatewayProcess> StartAsync(Uri botUri, TimeSpan drainWindow)
        {
            // The test project references the gateway, so its build output (Gateway.dll, its runtimeconfig and deps,
            // config/) sits beside the test assembly.
            var gatewayDll = Path.Combine(AppContext.BaseDirectory, "Gateway.dll");
            Assert.True(File.Exists(gatewayDll), $"{gatewayDll} not found");
            var seedDirectory = Directory.CreateTempSubdirectory("gateway-drain-").FullName;
            var seedFile = Path.Combine(seedDirectory, "registry.json");
            await File.WriteAllTextAsync(seedFile, $$"""
                { "agents": { "acme/support": { "instances": [ { "id": "bot-1", "url": "{{botUri}}", "capacity": 1 } ] } } }
                """);

            var port = FreePort();
            var start = new ProcessStartInfo(DotnetHost())
            {
                WorkingDirectory = AppContext.BaseDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { gatewayDll, "--urls", $"http://127.0.0.1:{port}" })
            {
                start.ArgumentList.Add(argument);
            }

            start.Environment["ConnectionStrings__Redis"] = string.Empty;
            start.Environment["Registry__SeedFile"] = seedFile;
            start.Environment["Gateway__DrainWindow"] = drainWindow.ToString();
            start.Environment["Logging__Console__FormatterName"] = "json";
            start.Environment["Logging__LogLevel__Default"] = "Information";
            start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";

            var process = Process.Start(start) ?? throw new InvalidOperationException("the gateway did not start");
            var gateway = new GatewayProcess(process, seedDirectory, new Uri($"http://127.0.0.1:{port}/"));
            process.OutputDataReceived += (_, line) =>
            {
                if (!string.IsNullOrEmpty(line.Data))
                {
                    gateway._output.Enqueue(line.Data);
                }
            };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            await Wait.UntilAsync(
                async () =>
                {
                    Assert.False(process.HasExited, "the gateway exited at start-up: " + string.Join('\n', gateway.Output));
                    try
                    {
                        return (await Client.GetAsync(gateway.HttpUri("/readyz"))).StatusCode == HttpStatusCode.OK;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                },
                "the gateway process is ready",
                TimeSpan.FromSeconds(30));
            return gateway;
        }

        public Uri HttpUri(string path) => new(BaseUri, path);

        public Uri CallUri(string query) => new($"ws://{BaseUri.Authority}/ws/telnyx?{query}");

        /// <summary>SIGTERM, as the kubelet sends it.</summary>
        public void Terminate()
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
                ?? throw new InvalidOperationException("kill did not start");
            kill.WaitForExit();
            Assert.Equal(0, kill.ExitCode);
        }

        public async Task<int> WaitForExitAsync(TimeSpan within)
        {
            using var timeout = new CancellationTokenSource(within > TimeSpan.Zero ? within : TimeSpan.Zero);
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"the gateway did not exit in time: {string.Join('\n', Output)}");
            }

            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            Directory.Delete(_seedDirectory, recursive: true);
        }

        /// <summary>The dotnet host running these tests (the SDK sets DOTNET_HOST_PATH for its children).</summary>
        private static string DotnetHost() =>
            Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host
                ? host
                : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
