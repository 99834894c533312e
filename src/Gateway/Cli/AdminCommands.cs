using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Auth;
using Gateway.Core;
using Microsoft.Extensions.Configuration;

namespace Gateway.Cli;

/// <summary>
/// <c>Gateway.dll admin …</c>: the admin API from a shell or a CI job. Every subcommand is one or a few admin API
/// requests, made as any client would make them (so it works against any reachable gateway, this binary's version or
/// not), with the exit codes of <see cref="ExitCodes"/> and one <c>error: …</c> line per problem on stderr.
/// </summary>
internal static class AdminCommands
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create(TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        var url = new Option<string>("--url")
        {
            Description = "The gateway's admin listener; default: $GATEWAY_URL, else http://127.0.0.1:8080",
            Recursive = true,
            DefaultValueFactory = _ => environment("GATEWAY_URL") ?? "http://127.0.0.1:8080",
        };
        var token = new Option<string?>("--token")
        {
            Description = "Bearer token; default: $GATEWAY_TOKEN, else a 5-minute platform-admin token signed with Auth:SigningKey",
            Recursive = true,
        };
        var admin = new Command("admin", "Manage tenants through a gateway's admin API (declaratively with apply)") { url, token };

        var file = new Option<FileInfo>("--file", "-f") { Description = "Tenants file, JSON (.json) or YAML", Required = true };
        var prune = new Option<bool>("--prune") { Description = "Delete the agents (and Telnyx settings) of the file's organizations that it does not name" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print what would change; write nothing" };
        var apply = new Command("apply", "Create, update (and with --prune delete) agents and Telnyx settings to match a file") { file, prune, dryRun };
        apply.SetAction((parse, cancel) => RunAsync(parse, async api =>
        {
            var orgs = TenantsFile.Load(parse.GetValue(file)!.FullName, environment);
            await new TenantApply(api, output, parse.GetValue(prune), parse.GetValue(dryRun)).RunAsync(orgs, cancel);
        }));

        var agentName = new Argument<string>("org/agent") { Description = "The agent, e.g. acme/support" };
        var get = new Command("get", "Print an agent as JSON (its ETag on stderr)") { agentName };
        get.SetAction((parse, cancel) => RunAsync(parse, async api =>
        {
            var (org, agent) = AgentKeyOf(parse.GetValue(agentName)!);
            var state = await api.GetAgentAsync(org, agent, cancel)
                ?? throw new AdminApiException("GET", AdminApi.AgentPath(org, agent), System.Net.HttpStatusCode.NotFound, "not_found", $"Agent '{agent}.{org}' does not exist.", new Dictionary<string, string[]>());
            await output.WriteLineAsync(state.Json.ToJsonString(Indented));
            await error.WriteLineAsync($"ETag: {state.ETag}");
        }));

        var orgArgument = new Argument<string?>("org") { Description = "An organization: list its agents (without: list the organizations)", Arity = ArgumentArity.ZeroOrOne };
        var list = new Command("list", "List the organizations, or one organization's agents with their revisions") { orgArgument };
        list.SetAction((parse, cancel) => RunAsync(parse, async api =>
        {
            if (parse.GetValue(orgArgument) is not { } org)
            {
                var orgs = await api.GetJsonAsync("/admin/v1/orgs", allowNotFound: false, cancel);
                foreach (var item in orgs?["orgs"] as JsonArray ?? [])
                {
                    await output.WriteLineAsync($"{item?["name"]}\t{item?["agents"]} agents");
                }

                return;
            }

            CheckOrg(org);
            var agents = await api.GetJsonAsync($"/admin/v1/orgs/{org}/agents", allowNotFound: false, cancel);
            foreach (var item in agents?["agents"] as JsonArray ?? [])
            {
                await output.WriteLineAsync($"{item?["name"]}\trevision {item?["revision"]}");
            }
        }));

        var ifMatch = new Option<string?>("--if-match") { Description = "Delete only if the agent still has this ETag" };
        var delete = new Command("delete", "Delete an agent (its live calls go on)") { agentName, ifMatch };
        delete.SetAction((parse, cancel) => RunAsync(parse, async api =>
        {
            var (org, agent) = AgentKeyOf(parse.GetValue(agentName)!);
            await api.DeleteAgentAsync(org, agent, parse.GetValue(ifMatch), cancel);
            await output.WriteLineAsync($"deleted {org}/{agent}");
        }));

        var sessionsOrg = new Argument<string>("org") { Description = "The organization" };
        var sessions = new Command("sessions", "Print an organization's live calls as JSON") { sessionsOrg };
        sessions.SetAction((parse, cancel) => RunAsync(parse, async api =>
        {
            var org = parse.GetValue(sessionsOrg)!;
            CheckOrg(org);
            var live = await api.GetJsonAsync($"/admin/v1/orgs/{org}/sessions", allowNotFound: false, cancel);
            await output.WriteLineAsync(live?.ToJsonString(Indented));
        }));

        var tokenCommand = new Command("token", "Mint a token with Auth:SigningKey, as Gateway.dll token does (same options)") { TreatUnmatchedTokensAsErrors = false };
        tokenCommand.SetAction(parse => TokenCommand.Run([.. parse.UnmatchedTokens], output, error));

        admin.Subcommands.Add(apply);
        admin.Subcommands.Add(get);
        admin.Subcommands.Add(list);
        admin.Subcommands.Add(delete);
        admin.Subcommands.Add(sessions);
        admin.Subcommands.Add(tokenCommand);
        return admin;

        async Task<int> RunAsync(ParseResult parse, Func<AdminApi, Task> work)
        {
            var urlText = parse.GetValue(url)!;
            if (!Uri.TryCreate(urlText, UriKind.Absolute, out var baseUrl) || baseUrl.Scheme is not ("http" or "https"))
            {
                await error.WriteLineAsync($"error: --url must be an absolute http:// or https:// URL, not '{urlText}'.");
                return ExitCodes.Usage;
            }

            try
            {
                using var http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
                var bearer = parse.GetValue(token) ?? environment("GATEWAY_TOKEN") ?? MintToken(environment);
                if (bearer is not null)
                {
                    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
                }

                await work(new AdminApi(http));
                return ExitCodes.Ok;
            }
            catch (InvalidTenantsFileException e)
            {
                await error.WriteLineAsync(e.Describe());
                return ExitCodes.InvalidFile;
            }
            catch (ArgumentException e)
            {
                await error.WriteLineAsync($"error: {e.Message}");
                return ExitCodes.Usage;
            }
            catch (AdminApiException e)
            {
                await error.WriteLineAsync(e.Describe());
                return e.ExitCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                await error.WriteLineAsync($"error: cannot reach the gateway at {baseUrl}: {e.Message}");
                return ExitCodes.Unreachable;
            }
        }
    }

    /// <summary>A platform-admin token from Auth:SigningKey (appsettings, Auth__SigningKey), or null when there is none.</summary>
    private static string? MintToken(Func<string, string?> environment)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddInMemoryCollection([KeyValuePair.Create("Auth:SigningKey", environment("Auth__SigningKey"))])
            .Build();
        var options = configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        return string.IsNullOrEmpty(options.SigningKey)
            ? null
            : DevelopmentTokens.Mint(options, org: null, platformAdmin: true, TimeSpan.FromMinutes(5), TimeProvider.System);
    }

    private static (string Org, string Agent) AgentKeyOf(string text)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            throw new ArgumentException($"'{text}' is not org/agent, e.g. acme/support.");
        }

        var org = text[..slash];
        var agent = text[(slash + 1)..];
        CheckOrg(org);
        if (!ResourceNames.IsValidAgent(agent))
        {
            throw new ArgumentException($"'{text}' is not org/agent: the agent's name must be {ResourceNames.AgentRule}");
        }

        return (org, agent);
    }

    private static void CheckOrg(string org)
    {
        if (!ResourceNames.IsValidOrg(org))
        {
            throw new ArgumentException($"'{org}' is not an organization: its name must be {ResourceNames.OrgRule}");
        }
    }
}
