using System.Net;
using Gateway.Core;
using Gateway.Registry;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Cli;

/// <summary>
/// <c>Gateway.dll admin apply -f FILE</c> against a real gateway: a YAML or JSON file of organizations brought about
/// through the admin API with ETags, idempotent, with a dry run, pruning, and the exit codes a CI job branches on.
/// </summary>
public sealed class AdminApplyTests : IAsyncLifetime
{
    private const string Tenants = """
        orgs:
          acme:
            telnyx:
              apiKey: ${ACME_TELNYX_KEY}
              connectionId: "1684641123236054244"
            agents:
              support:
                maxConcurrentCalls: 20
                phoneNumbers: ["+13125550100"]
                streamAuth: token
                instances:
                  - { id: pod-1, url: "ws://127.0.0.1:9/ws", capacity: 2 }
              sales:
                enabled: false
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("tenants-").FullName;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync() => _gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task A_yaml_file_creates_agents_and_settings_then_applies_again_as_unchanged()
    {
        var file = Write("tenants.yaml", Tenants);

        var first = await ApplyAsync(file);
        var second = await ApplyAsync(file);

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(
            """
            + acme telnyx
                apiKeySet: true
                connectionId: "1684641123236054244"
                webhookPublicKeySet: false
            + acme/sales
                enabled: false
            """,
            string.Join('\n', first.Output.Split('\n').TakeWhile(line => !line.StartsWith("+ acme/support", StringComparison.Ordinal))));
        Assert.Contains("    maxConcurrentCalls: 20\n", first.Output, StringComparison.Ordinal);
        Assert.EndsWith("applied: created 3, updated 0, deleted 0; 0 unchanged\n", first.Output, StringComparison.Ordinal);
        Assert.Equal((0, "applied: created 0, updated 0, deleted 0; 3 unchanged\n", string.Empty), (second.ExitCode, second.Output, second.Error));
        Assert.True(_gateway.Registry.Current.TryGet(new AgentKey("acme", "support"), out var support));
        Assert.Equal(20, support.Resource.MaxConcurrentCalls);
        Assert.Equal(StreamAuthMode.Token, support.Resource.StreamAuth);
        Assert.Equal(["+13125550100"], support.Resource.PhoneNumbers);
        Assert.True(_gateway.Registry.Current.TryGet(new AgentKey("acme", "sales"), out var sales));
        Assert.False(sales.Resource.Enabled);
    }

    [Fact]
    public async Task A_dry_run_prints_the_diff_and_writes_nothing_then_apply_writes_it_over_the_etag()
    {
        await ApplyAsync(Write("tenants.yaml", Tenants));
        var revision = Revision("support");
        var changed = Write("changed.json", """
            {"orgs":{"acme":{"telnyx":{"apiKey":"KEY0123","connectionId":"1684641123236054244"},"agents":{
              "support":{"maxConcurrentCalls":30,"phoneNumbers":["+13125550100"],"streamAuth":"token","instances":[{"id":"pod-1","url":"ws://127.0.0.1:9/ws","capacity":2}]},
              "sales":{"enabled":false}}}}}
            """);

        var dry = await ApplyAsync(changed, "--dry-run");

        Assert.Equal(
            (0, "~ acme/support\n    maxConcurrentCalls: 20 → 30\ndry run, nothing written: would create 0, update 1, delete 0; 2 unchanged\n"),
            (dry.ExitCode, dry.Output));
        Assert.Equal(revision, Revision("support"));

        var applied = await ApplyAsync(changed);

        Assert.Equal("~ acme/support\n    maxConcurrentCalls: 20 → 30\napplied: created 0, updated 1, deleted 0; 2 unchanged\n", applied.Output);
        Assert.True(_gateway.Registry.Current.TryGet(new AgentKey("acme", "support"), out var support));
        Assert.Equal(30, support.Resource.MaxConcurrentCalls);
    }

    [Fact]
    public async Task Prune_deletes_the_agents_and_settings_of_a_named_organization_that_the_file_no_longer_names()
    {
        await ApplyAsync(Write("tenants.yaml", Tenants));
        await _gateway.PutAgentAsync("globex", "desk", ("pod-1", new Uri("ws://127.0.0.1:9/ws"), 1));
        var smaller = Write("smaller.yaml", "orgs:\n  acme:\n    agents:\n      sales: { enabled: false }\n");

        var withoutPrune = await ApplyAsync(smaller);
        var pruned = await ApplyAsync(smaller, "--prune");

        Assert.Equal("applied: created 0, updated 0, deleted 0; 1 unchanged\n", withoutPrune.Output);
        Assert.Equal("- acme/support\n- acme telnyx\napplied: created 0, updated 0, deleted 2; 1 unchanged\n", pruned.Output);
        Assert.False(_gateway.Registry.Current.TryGet(new AgentKey("acme", "support"), out _));
        Assert.True(_gateway.Registry.Current.TryGet(new AgentKey("globex", "desk"), out _));
        var client = new AdminClient(_gateway, AdminTokens.PlatformAdmin());
        (await client.GetAsync("/admin/v1/orgs/acme/telnyx")).AssertStatus(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_invalid_file_names_every_problem_exits_3_and_sends_nothing()
    {
        var file = Write("bad.yaml", """
            orgs:
              acme:
                agents:
                  support: { maxConcurrentCalls: 0, phoneNumbers: ["5550100"], colour: blue }
                  Bad_Name: {}
                  sales: { maxConcurrentCalls: 0, texml: { codec: MP3 } }
                  desk: { instances: [ { id: pod-1, url: "${MISSING_URL}" } ] }
            """);

        var run = await ApplyAsync(file);

        Assert.Equal(3, run.ExitCode);
        Assert.Equal(string.Empty, run.Output);
        Assert.Equal(
            $"""
            error: {file}: orgs.acme.agents.support.colour: is not a field of an agent (see the README's Registry and Per-tenant TeXML sections)
            error: {file}: orgs.acme.agents.Bad_Name: the agent's name must be lower-case letters, digits and inner hyphens, at most 54 characters.
            error: {file}: orgs.acme.agents.sales.maxConcurrentCalls: must be between 1 and 100000.
            error: {file}: orgs.acme.agents.sales.texml.codec: must be one of AMR-WB, G722, L16, OPUS, PCMA, PCMU, default.
            error: {file}: orgs.acme.agents.desk.instances[0].url: environment variable MISSING_URL is not set
            error: {file}: orgs.acme.agents.desk.instances[0].url: must be an absolute ws:// or wss:// URL.

            """,
            run.Error);
        Assert.Empty(_gateway.Registry.Current.Agents);
    }

    [Fact]
    public async Task A_number_another_agent_holds_is_a_conflict_exit_5_with_the_gateways_code_and_detail()
    {
        await _gateway.PutAgentAsync(new AgentKey("acme", "desk"), new AgentResource { PhoneNumbers = ["+13125550100"] });

        var run = await ApplyAsync(Write("tenants.yaml", Tenants));

        Assert.Equal(5, run.ExitCode);
        Assert.StartsWith("error: PUT /admin/v1/orgs/acme/agents/support: 409 phone_number_taken: ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_that_grants_nothing_is_refused_exit_1_and_an_unreachable_gateway_exit_4()
    {
        var file = Write("tenants.yaml", Tenants);
        var environment = new Dictionary<string, string> { ["ACME_TELNYX_KEY"] = "KEY0188D3A7" };
        var forged = await CommandRun.RunAsync(["admin", "apply", "-f", file, "--url", _gateway.BaseUri.ToString(), "--token", "not-a-token"], environment);
        var unreachable = await CommandRun.RunAsync(["admin", "apply", "-f", file, "--url", "http://127.0.0.1:9/"], environment);

        Assert.Equal(1, forged.ExitCode);
        Assert.StartsWith("error: GET /admin/v1/orgs/acme/telnyx: 401 unauthorized: ", forged.Error, StringComparison.Ordinal);
        Assert.Equal(4, unreachable.ExitCode);
        Assert.StartsWith("error: cannot reach the gateway at http://127.0.0.1:9/: ", unreachable.Error, StringComparison.Ordinal);
    }

    private Task<CommandRun> ApplyAsync(string file, params string[] options) =>
        CommandRun.RunAsync(
            ["admin", "apply", "-f", file, "--url", _gateway.BaseUri.ToString(), .. options],
            new Dictionary<string, string> { ["Auth__SigningKey"] = AdminTokens.SigningKey, ["ACME_TELNYX_KEY"] = "KEY0188D3A7" });

    private long Revision(string agent) =>
        _gateway.Registry.Current.TryGet(new AgentKey("acme", agent), out var registered) ? registered.Revision : -1;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
