using System.Diagnostics;
using System.Net;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Cli;

/// <summary>
/// <c>Gateway.dll --help</c> prints usage and exits instead of starting a server; <c>texml sign</c> signs a TeXML
/// request with the test key so that a gateway trusting <c>texml public-key</c> answers it, and refuses it altered.
/// </summary>
public sealed class HelpAndTexmlSignTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Help_prints_the_commands_and_exits_0(string option)
    {
        var run = await CommandRun.RunAsync([option]);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("With no command it runs the gateway", run.Output, StringComparison.Ordinal);
        Assert.Contains("  admin  Manage tenants through a gateway's admin API", run.Output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, run.Error);
    }

    [Fact]
    public async Task Token_and_admin_help_print_their_usage_and_exit_0()
    {
        var token = await CommandRun.RunAsync(["token", "--help"]);
        var admin = await CommandRun.RunAsync(["admin", "apply", "--help"]);
        var version = await CommandRun.RunAsync(["--version"]);

        Assert.Equal(0, token.ExitCode);
        Assert.StartsWith("usage: Gateway.dll token (--org <org> | --platform-admin)", token.Output, StringComparison.Ordinal);
        Assert.Equal(0, admin.ExitCode);
        Assert.Contains("-f, --file <file> (REQUIRED)", admin.Output, StringComparison.Ordinal);
        Assert.Contains("--dry-run", admin.Output, StringComparison.Ordinal);
        Assert.Equal(0, version.ExitCode);
        Assert.NotEmpty(version.Output.Trim());
    }

    [Fact]
    public void Configuration_arguments_are_the_gateways_not_a_command()
    {
        Assert.False(Gateway.Cli.GatewayCommands.Handles(["--urls", "http://127.0.0.1:8080"]));
        Assert.False(Gateway.Cli.GatewayCommands.Handles([]));
        Assert.True(Gateway.Cli.GatewayCommands.Handles(["token", "--help"]));
    }

    [Fact]
    public async Task The_built_binary_with_help_exits_at_once_without_listening()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Gateway.dll"));
        start.ArgumentList.Add("--help");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await process.WaitForExitAsync(timeout.Token);

        Assert.Equal(0, process.ExitCode);
        Assert.Contains("Usage:", await output, StringComparison.Ordinal);
        Assert.DoesNotContain("Now listening", await output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_request_signed_with_the_test_key_is_answered_and_an_altered_one_is_refused()
    {
        var publicKey = (await CommandRun.RunAsync(["texml", "public-key"])).Output.Trim();
        await using var gateway = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Telnyx:PublicKey"] = publicKey });
        await gateway.PutAgentAsync(new AgentKey("acme", "support"), new AgentResource { Instances = [new AgentInstance { Id = "pod-1", Url = new Uri("ws://127.0.0.1:9/ws") }] });
        const string body = "To=%2B13125550100&From=%2B13125550142&CallSid=v3%3Aabc";

        var sign = await CommandRun.RunAsync(["texml", "sign", "--body", body]);
        var headers = sign.Output.TrimEnd('\n').Split('\n').Select(line => line.Split(": ", 2)).ToDictionary(pair => pair[0], pair => pair[1]);
        var signed = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), body, headers);
        var altered = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), body + "&Extra=1", headers);
        var unsigned = await TexmlClient.PostAsync(gateway.HttpUri("/texml/acme/support"), body);

        Assert.Equal(0, sign.ExitCode);
        Assert.Equal(["telnyx-signature-ed25519", "telnyx-timestamp"], headers.Keys);
        Assert.Equal(HttpStatusCode.OK, signed.Status);
        Assert.Equal((HttpStatusCode.Unauthorized, "signature_invalid"), (altered.Status, altered.Problem().GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.Unauthorized, "signature_missing"), (unsigned.Status, unsigned.Problem().GetProperty("code").GetString()));
    }

    [Fact]
    public async Task A_private_key_that_is_not_32_bytes_of_base64_exits_2()
    {
        var run = await CommandRun.RunAsync(["texml", "sign", "--private-key", "c2hvcnQ="]);

        Assert.Equal((2, "error: --private-key must be base64 of 32 bytes.\n"), (run.ExitCode, run.Error));
    }
}
