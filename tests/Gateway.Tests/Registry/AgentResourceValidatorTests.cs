using Gateway.Registry;

namespace Gateway.Tests.Registry;

/// <summary>Every rule an agent must pass before it is stored, reported under the path of the offending field.</summary>
public sealed class AgentResourceValidatorTests
{
    private const string IdRule = "must be lower-case letters, digits and inner hyphens, at most 63 characters.";
    private const string UrlRule = "must be an absolute ws:// or wss:// URL.";
    private const string CapacityRule = "must be between 1 and 10000.";

    private static readonly AgentResource Valid = new()
    {
        Instances =
        [
            new AgentInstance { Id = "bot-1", Url = new Uri("ws://127.0.0.1:8765/ws"), Capacity = 2 },
            new AgentInstance { Id = "bot-2", Url = new Uri("wss://bots.example.com/ws?tenant=acme"), Capacity = 1 },
        ],
    };

    [Fact]
    public void A_valid_agent_has_no_errors()
    {
        Assert.Empty(AgentResourceValidator.Validate(Valid));
    }

    [Fact]
    public void An_agent_with_no_instances_is_valid()
    {
        Assert.Empty(AgentResourceValidator.Validate(new AgentResource()));
    }

    [Fact]
    public void The_defaults_are_pipecat_clouds()
    {
        var resource = new AgentResource();

        Assert.True(resource.Enabled);
        Assert.Equal(50, resource.MaxConcurrentCalls);
        Assert.Equal(4096, resource.BodyMaxBytes);
        Assert.Empty(resource.Instances);
        Assert.Equal(1, new AgentInstance { Id = "a", Url = new Uri("ws://a/") }.Capacity);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(100_001)]
    [InlineData(int.MinValue)]
    public void MaxConcurrentCalls_outside_1_to_100000_is_refused(int value)
    {
        var errors = AgentResourceValidator.Validate(Valid with { MaxConcurrentCalls = value });

        AssertOnly(errors, "maxConcurrentCalls", "must be between 1 and 100000.");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100_000)]
    public void MaxConcurrentCalls_at_its_bounds_is_accepted(int value)
    {
        Assert.Empty(AgentResourceValidator.Validate(Valid with { MaxConcurrentCalls = value }));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(16_385)]
    public void BodyMaxBytes_outside_0_to_16384_is_refused(int value)
    {
        var errors = AgentResourceValidator.Validate(Valid with { BodyMaxBytes = value });

        AssertOnly(errors, "bodyMaxBytes", "must be between 0 and 16384.");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(16_384)]
    public void BodyMaxBytes_at_its_bounds_is_accepted(int value)
    {
        Assert.Empty(AgentResourceValidator.Validate(Valid with { BodyMaxBytes = value }));
    }

    [Fact]
    public void Missing_instances_are_refused()
    {
        var errors = AgentResourceValidator.Validate(Valid with { Instances = null! });

        AssertOnly(errors, "instances", "must be an array.");
    }

    [Fact]
    public void More_than_1000_instances_are_refused()
    {
        var instances = Enumerable.Range(0, 1_001)
            .Select(i => new AgentInstance { Id = $"bot-{i}", Url = new Uri($"ws://10.0.{i / 256}.{i % 256}/ws") })
            .ToList();

        var errors = AgentResourceValidator.Validate(new AgentResource { Instances = instances });

        AssertOnly(errors, "instances", "must hold at most 1000 instances.");
        Assert.Empty(AgentResourceValidator.Validate(new AgentResource { Instances = [.. instances.Take(1_000)] }));
    }

    [Fact]
    public void A_null_instance_is_refused_at_its_index()
    {
        var errors = AgentResourceValidator.Validate(Valid with { Instances = [Valid.Instances[0], null!] });

        AssertOnly(errors, "instances[1]", "must be an object.");
    }

    [Theory]
    [InlineData("")]
    [InlineData("Bot-1")]
    [InlineData("bot_1")]
    [InlineData("-bot")]
    [InlineData("bot-")]
    [InlineData("bot.1")]
    [InlineData("bot/1")]
    [InlineData("bot 1")]
    public void A_bad_instance_id_is_refused_at_its_index(string id)
    {
        var errors = AgentResourceValidator.Validate(Valid with { Instances = [Valid.Instances[0], Valid.Instances[1] with { Id = id }] });

        AssertOnly(errors, "instances[1].id", IdRule);
    }

    [Fact]
    public void A_null_instance_id_is_refused()
    {
        var errors = AgentResourceValidator.Validate(Valid with { Instances = [Valid.Instances[0] with { Id = null! }] });

        AssertOnly(errors, "instances[0].id", IdRule);
    }

    [Fact]
    public void An_instance_id_of_63_characters_is_accepted_and_64_refused()
    {
        var longest = new string('i', 63);

        Assert.Empty(AgentResourceValidator.Validate(Valid with { Instances = [Valid.Instances[0] with { Id = longest }] }));
        AssertOnly(
            AgentResourceValidator.Validate(Valid with { Instances = [Valid.Instances[0] with { Id = longest + "i" }] }),
            "instances[0].id",
            IdRule);
    }

    [Fact]
    public void A_duplicate_instance_id_is_refused_on_its_second_use()
    {
        var errors = AgentResourceValidator.Validate(Valid with
        {
            Instances = [Valid.Instances[0], Valid.Instances[1], Valid.Instances[1] with { Id = "bot-1" }],
        });

        AssertOnly(errors, "instances[2].id", "'bot-1' is used by another instance of this agent.");
    }

    [Theory]
    [InlineData("http://127.0.0.1:8765/ws")]
    [InlineData("https://bots.example.com/ws")]
    [InlineData("ftp://bots.example.com/ws")]
    [InlineData("file:///tmp/bot.sock")]
    [InlineData("/ws")]
    [InlineData("bots.example.com/ws")]
    public void A_url_that_is_not_an_absolute_websocket_url_is_refused(string url)
    {
        var errors = AgentResourceValidator.Validate(Valid with
        {
            Instances = [Valid.Instances[0], Valid.Instances[1] with { Url = new Uri(url, UriKind.RelativeOrAbsolute) }],
        });

        AssertOnly(errors, "instances[1].url", UrlRule);
    }

    [Fact]
    public void A_missing_url_is_refused()
    {
        var errors = AgentResourceValidator.Validate(Valid with { Instances = [Valid.Instances[0] with { Url = null! }] });

        AssertOnly(errors, "instances[0].url", UrlRule);
    }

    [Theory]
    [InlineData("ws://127.0.0.1:8765/ws")]
    [InlineData("ws://bot")]
    [InlineData("wss://bots.example.com:9443/agents/support?region=eu")]
    [InlineData("WSS://BOTS.EXAMPLE.COM/ws")]
    [InlineData("ws://[::1]:8765/ws")]
    public void Ws_and_wss_urls_are_accepted(string url)
    {
        Assert.Empty(AgentResourceValidator.Validate(Valid with { Instances = [Valid.Instances[0] with { Url = new Uri(url) }] }));
    }

    [Theory]
    [InlineData("ws://127.0.0.1:8765/ws#section")]
    [InlineData("wss://user:secret@bots.example.com/ws")]
    [InlineData("wss://user@bots.example.com/ws")]
    public void A_url_with_a_fragment_or_user_info_is_refused(string url)
    {
        var errors = AgentResourceValidator.Validate(Valid with { Instances = [Valid.Instances[0] with { Url = new Uri(url) }] });

        AssertOnly(errors, "instances[0].url", "must carry no fragment and no user info.");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(10_001)]
    public void Capacity_outside_1_to_10000_is_refused(int capacity)
    {
        var errors = AgentResourceValidator.Validate(Valid with { Instances = [Valid.Instances[0], Valid.Instances[1] with { Capacity = capacity }] });

        AssertOnly(errors, "instances[1].capacity", CapacityRule);
    }

    [Fact]
    public void Capacity_of_10000_is_accepted()
    {
        Assert.Empty(AgentResourceValidator.Validate(Valid with { Instances = [Valid.Instances[0] with { Capacity = 10_000 }] }));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var errors = AgentResourceValidator.Validate(new AgentResource
        {
            MaxConcurrentCalls = 0,
            BodyMaxBytes = -1,
            Instances =
            [
                new AgentInstance { Id = "ok", Url = new Uri("ws://a/"), Capacity = 1 },
                new AgentInstance { Id = "Bad", Url = new Uri("http://a/"), Capacity = 0 },
                new AgentInstance { Id = "ok", Url = new Uri("ws://b/#x"), Capacity = 1 },
            ],
        });

        Assert.Equal(
            new Dictionary<string, string[]>
            {
                ["maxConcurrentCalls"] = ["must be between 1 and 100000."],
                ["bodyMaxBytes"] = ["must be between 0 and 16384."],
                ["instances[1].id"] = [IdRule],
                ["instances[1].url"] = [UrlRule],
                ["instances[1].capacity"] = [CapacityRule],
                ["instances[2].id"] = ["'ok' is used by another instance of this agent."],
                ["instances[2].url"] = ["must carry no fragment and no user info."],
            },
            errors);
    }

    [Fact]
    public void A_null_resource_is_a_programming_error()
    {
        Assert.Throws<ArgumentNullException>(() => AgentResourceValidator.Validate(null!));
    }

    private static void AssertOnly(Dictionary<string, string[]> errors, string field, string message)
    {
        var error = Assert.Single(errors);
        Assert.Equal(field, error.Key);
        Assert.Equal([message], error.Value);
    }

    [Fact]
    public void A_static_TeXML_body_over_the_agents_body_limit_is_refused()
    {
        var body = System.Text.Json.JsonDocument.Parse($"{{\"note\":\"{new string('x', 100)}\"}}").RootElement.Clone();
        var resource = Valid with { BodyMaxBytes = 64, Texml = new AgentTexml { Body = body } };

        var errors = AgentResourceValidator.Validate(resource);

        Assert.Equal(["must fit the agent's bodyMaxBytes (64 bytes of JSON)."], errors["texml.body"]);
        Assert.Empty(AgentResourceValidator.Validate(resource with { BodyMaxBytes = 4096 }));
    }
}
