using System.Text.Json;
using Gateway.Core;
using Gateway.Registry;

namespace Gateway.Tests.Registry;

/// <summary>The seed file the gateway reads at start-up, and where it looks for it.</summary>
public sealed class RegistrySeedTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("gateway-seed-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void A_valid_seed_file_yields_its_agents_with_every_field()
    {
        var path = Write("""
            {
              // Comments and trailing commas are allowed: operators edit this file by hand.
              "agents": {
                "acme/support": {
                  "enabled": false,
                  "maxConcurrentCalls": 7,
                  "bodyMaxBytes": 1024,
                  "instances": [
                    { "id": "bot-1", "url": "ws://127.0.0.1:9001/ws", "capacity": 3 },
                    { "id": "bot-2", "url": "wss://bots.example.com/ws", "capacity": 1 },
                  ],
                },
                "globex/sales": { "enabled": true, "maxConcurrentCalls": 1, "bodyMaxBytes": 0, "instances": [] },
              },
            }
            """);

        var agents = RegistrySeed.Load(path);

        Assert.Equal(2, agents.Count);
        var support = agents[new AgentKey("acme", "support")];
        Assert.False(support.Enabled);
        Assert.Equal(7, support.MaxConcurrentCalls);
        Assert.Equal(1024, support.BodyMaxBytes);
        Assert.Equal(2, support.Instances.Count);
        Assert.Equal("bot-1", support.Instances[0].Id);
        Assert.Equal(new Uri("ws://127.0.0.1:9001/ws"), support.Instances[0].Url);
        Assert.Equal(3, support.Instances[0].Capacity);
        Assert.Equal("bot-2", support.Instances[1].Id);
        Assert.Equal(new Uri("wss://bots.example.com/ws"), support.Instances[1].Url);
        Assert.Equal(1, support.Instances[1].Capacity);

        var sales = agents[new AgentKey("globex", "sales")];
        Assert.True(sales.Enabled);
        Assert.Equal(1, sales.MaxConcurrentCalls);
        Assert.Equal(0, sales.BodyMaxBytes);
        Assert.Empty(sales.Instances);
    }

    [Fact]
    public void Omitted_fields_take_their_documented_defaults()
    {
        var path = Write("""{"agents":{"acme/support":{"instances":[{"id":"bot-1","url":"ws://127.0.0.1:9001/ws"}]}}}""");

        var support = RegistrySeed.Load(path)[new AgentKey("acme", "support")];

        Assert.True(support.Enabled);
        Assert.Equal(50, support.MaxConcurrentCalls);
        Assert.Equal(4096, support.BodyMaxBytes);
        Assert.Equal(1, support.Instances[0].Capacity);
    }

    [Fact]
    public void Property_names_are_matched_case_insensitively()
    {
        var path = Write("""{"Agents":{"acme/support":{"MaxConcurrentCalls":3,"BODYMAXBYTES":9,"Instances":[{"ID":"b","URL":"ws://b/","Capacity":2}]}}}""");

        var support = RegistrySeed.Load(path)[new AgentKey("acme", "support")];

        Assert.Equal(3, support.MaxConcurrentCalls);
        Assert.Equal(9, support.BodyMaxBytes);
        Assert.Equal("b", support.Instances[0].Id);
        Assert.Equal(new Uri("ws://b/"), support.Instances[0].Url);
        Assert.Equal(2, support.Instances[0].Capacity);
    }

    [Fact]
    public void A_file_with_no_agents_yields_none()
    {
        Assert.Empty(RegistrySeed.Load(Write("{}")));
        Assert.Empty(RegistrySeed.Load(Write("""{"agents":{}}""")));
        Assert.Empty(RegistrySeed.Load(Write("""{"agents":null}""")));
    }

    [Theory]
    [InlineData("{")]
    [InlineData("""{"agents":[]}""")]
    [InlineData("""{"agents":{"acme/support":{"maxConcurrentCalls":"many"}}}""")]
    [InlineData("""{"agents":{"acme/support":{"instances":[{"id":"b","url":5}]}}}""")]
    public void A_file_that_is_not_valid_json_for_the_schema_is_refused_naming_the_file(string json)
    {
        var path = Write(json);

        var e = Assert.Throws<InvalidOperationException>(() => RegistrySeed.Load(path));

        Assert.StartsWith($"Registry seed '{path}' is not valid JSON: ", e.Message, StringComparison.Ordinal);
        Assert.IsType<JsonException>(e.InnerException, exactMatch: false);
    }

    [Theory]
    [InlineData("""{"agents":{},"version":2}""", "version")]
    [InlineData("""{"agents":{"acme/support":{"maxCalls":5}}}""", "maxCalls")]
    [InlineData("""{"agents":{"acme/support":{"instances":[{"id":"b","url":"ws://b/","weight":2}]}}}""", "weight")]
    public void An_unknown_property_is_refused_rather_than_silently_ignored(string json, string property)
    {
        var path = Write(json);

        var e = Assert.Throws<InvalidOperationException>(() => RegistrySeed.Load(path));

        Assert.StartsWith($"Registry seed '{path}' is not valid JSON: ", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{property}'", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("acme")]
    [InlineData("support.acme")]
    [InlineData("Acme/Support")]
    [InlineData("acme/support/v2")]
    public void A_key_that_is_not_org_slash_agent_is_refused_naming_the_file_and_key(string name)
    {
        var path = Write("{\"agents\":{\"" + name + "\":{}}}");

        var e = Assert.Throws<InvalidOperationException>(() => RegistrySeed.Load(path));

        Assert.Equal(
            $"Registry seed '{path}': '{name}' is not an agent key '{{org}}/{{agent}}' (lower-case letters, digits and inner hyphens, at most 54 characters.)",
            e.Message);
    }

    [Fact]
    public void An_invalid_agent_is_refused_naming_the_file_the_agent_and_every_problem()
    {
        var path = Write("""
            {"agents":{
              "acme/good":{"maxConcurrentCalls":1,"instances":[{"id":"a","url":"ws://a/","capacity":1}]},
              "acme/support":{"maxConcurrentCalls":0,"instances":[{"id":"a","url":"http://a/","capacity":1}]}
            }}
            """);

        var e = Assert.Throws<InvalidOperationException>(() => RegistrySeed.Load(path));

        Assert.Equal(
            $"Registry seed '{path}': agent 'acme/support' is invalid: maxConcurrentCalls must be between 1 and 100000.; "
            + "instances[0].url must be an absolute ws:// or wss:// URL.",
            e.Message);
    }

    [Theory]
    [InlineData("""{"url":"ws://b/","capacity":1}""", "instances[0].id must be lower-case letters, digits and inner hyphens, at most 63 characters.")]
    [InlineData("""{"id":"b","capacity":1}""", "instances[0].url must be an absolute ws:// or wss:// URL.")]
    public void An_instance_missing_its_id_or_url_is_refused_naming_the_field(string instance, string problem)
    {
        var path = Write("""{"agents":{"acme/support":{"enabled":true,"maxConcurrentCalls":1,"bodyMaxBytes":0,"instances":[""" + instance + "]}}}");

        var e = Assert.Throws<InvalidOperationException>(() => RegistrySeed.Load(path));

        Assert.Equal($"Registry seed '{path}': agent 'acme/support' is invalid: {problem}", e.Message);
    }

    [Fact]
    public void A_null_agent_is_refused_naming_the_file_and_the_agent()
    {
        var path = Write("""{"agents":{"acme/support":null}}""");

        var e = Assert.Throws<InvalidOperationException>(() => RegistrySeed.Load(path));

        Assert.StartsWith($"Registry seed '{path}': agent 'acme/support' ", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_yields_no_agents()
    {
        Assert.Empty(RegistrySeed.Load(Path.Combine(_directory, "absent.json")));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void No_configured_file_yields_no_agents(string? path)
    {
        Assert.Empty(RegistrySeed.Load(path));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    public void Resolve_gives_no_path_when_none_is_configured(string? seedFile)
    {
        Assert.Null(RegistrySeed.Resolve(seedFile, _directory));
    }

    [Fact]
    public void Resolve_keeps_an_absolute_path_as_is()
    {
        var absolute = Path.Combine(_directory, "nowhere", "seed.json");

        Assert.Equal(absolute, RegistrySeed.Resolve(absolute, "/somewhere/else"));
    }

    [Fact]
    public void Resolve_finds_a_relative_path_under_the_content_root()
    {
        var path = Write("{}", Path.Combine("conf", "agents.json"));

        Assert.Equal(path, RegistrySeed.Resolve("conf/agents.json", _directory));
    }

    [Fact]
    public void Resolve_prefers_the_content_root_over_the_copy_beside_the_binary()
    {
        // The build copies config/registry.json beside every binary that references the gateway, this one included.
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "config", "registry.json")));
        var path = Write("{}", Path.Combine("config", "registry.json"));

        Assert.Equal(path, RegistrySeed.Resolve("config/registry.json", _directory));
    }

    [Fact]
    public void Resolve_falls_back_to_the_copy_beside_the_binary()
    {
        Assert.Equal(
            Path.Combine(AppContext.BaseDirectory, "config", "registry.json"),
            RegistrySeed.Resolve("config/registry.json", _directory));
    }

    [Fact]
    public void Resolve_names_the_content_root_path_when_the_file_is_nowhere()
    {
        Assert.Equal(Path.Combine(_directory, "config", "absent.json"), RegistrySeed.Resolve("config/absent.json", _directory));
    }

    [Fact]
    public void The_repositorys_own_seed_file_loads()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "Gateway.sln")))
        {
            root = root.Parent ?? throw new InvalidOperationException("Gateway.sln not found above " + AppContext.BaseDirectory);
        }

        var agents = RegistrySeed.Load(Path.Combine(root.FullName, "config", "registry.json"));

        // The sample agent `dotnet run` serves on a fresh machine.
        var support = agents[new AgentKey("acme", "support")];
        Assert.NotEmpty(support.Instances);
        Assert.All(support.Instances, i => Assert.True(i.Url.Scheme is "ws" or "wss", i.Url.ToString()));
    }

    private string Write(string json, string name = "registry.json")
    {
        var path = Path.Combine(_directory, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, json);
        return path;
    }
}
