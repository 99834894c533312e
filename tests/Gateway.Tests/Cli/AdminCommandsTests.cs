using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Cli;

/// <summary><c>Gateway.dll admin get|list|delete|sessions|token</c> against a real gateway, and their exit codes.</summary>
public sealed class AdminCommandsTests : IAsyncLifetime
{
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        await _gateway.PutAgentAsync(new AgentKey("acme", "support"), new AgentResource { MaxConcurrentCalls = 7, PhoneNumbers = ["+13125550100"] });
        await _gateway.PutAgentAsync(new AgentKey("acme", "sales"), new AgentResource());
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Fact]
    public async Task Get_prints_the_agent_as_json_and_its_etag_on_stderr()
    {
        var run = await AdminAsync("get", "acme/support");
        var etag = (await new AdminClient(_gateway, AdminTokens.PlatformAdmin()).GetAsync("/admin/v1/orgs/acme/agents/support")).Headers["ETag"];

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("\"maxConcurrentCalls\": 7,", run.Output, StringComparison.Ordinal);
        Assert.Equal($"ETag: {etag}\n", run.Error);
    }

    [Fact]
    public async Task List_prints_organizations_then_an_organizations_agents()
    {
        var orgs = await AdminAsync("list");
        var agents = await AdminAsync("list", "acme");

        Assert.Equal((0, "acme\t2 agents\n"), (orgs.ExitCode, orgs.Output));
        Assert.Equal(0, agents.ExitCode);
        Assert.Matches("^sales\trevision [0-9]+\nsupport\trevision [0-9]+\n$", agents.Output);
    }

    [Fact]
    public async Task Delete_removes_the_agent_and_a_stale_if_match_is_a_conflict_exit_5()
    {
        var stale = await AdminAsync("delete", "acme/sales", "--if-match", "\"000000000000000000000000\"");
        var deleted = await AdminAsync("delete", "acme/sales");
        var again = await AdminAsync("delete", "acme/sales");

        Assert.Equal(5, stale.ExitCode);
        Assert.StartsWith("error: DELETE /admin/v1/orgs/acme/agents/sales: 412 precondition_failed: ", stale.Error, StringComparison.Ordinal);
        Assert.Equal((0, "deleted acme/sales\n"), (deleted.ExitCode, deleted.Output));
        Assert.Equal(1, again.ExitCode);
        Assert.StartsWith("error: DELETE /admin/v1/orgs/acme/agents/sales: 404 not_found: ", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sessions_prints_the_organizations_live_calls()
    {
        var run = await AdminAsync("sessions", "acme");

        Assert.Equal((0, "{\n  \"sessions\": []\n}\n"), (run.ExitCode, run.Output));
    }

    [Fact]
    public async Task Bad_arguments_exit_2_with_the_problem_named()
    {
        var badName = await AdminAsync("get", "acme");
        var missingFile = await CommandRun.RunAsync(["admin", "apply"]);
        var unknown = await CommandRun.RunAsync(["admin", "frobnicate"]);

        Assert.Equal((2, "error: 'acme' is not org/agent, e.g. acme/support.\n"), (badName.ExitCode, badName.Error));
        Assert.Equal((2, "error: Option '--file' is required.\nRun with --help for usage.\n"), (missingFile.ExitCode, missingFile.Error));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("error: Unrecognized command or argument 'frobnicate'.", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_mints_a_token_the_admin_api_takes()
    {
        var run = await CommandRun.RunAsync(["admin", "token", "--org", "acme", "--ttl", "5m", $"--Auth:SigningKey={AdminTokens.SigningKey}"]);

        Assert.Equal(0, run.ExitCode);
        var token = run.Output.TrimEnd('\n');
        Assert.DoesNotContain('\n', token);
        (await new AdminClient(_gateway, token).GetAsync("/admin/v1/orgs/acme/agents")).AssertStatus(System.Net.HttpStatusCode.OK);
    }

    private Task<CommandRun> AdminAsync(params string[] args) =>
        CommandRun.RunAsync(["admin", .. args, "--url", _gateway.BaseUri.ToString()]);
}
