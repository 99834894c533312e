using Gateway.Core;


namespace Gateway.Tests.Registry;

/// <summary>The two spellings of an agent: <c>{agent}.{org}</c> from callers, <c>{org}/{agent}</c> in the registry.</summary>
public sealed class AgentKeyTests
{
    private const string NoDot = "serviceHost must be '{agent}.{org}'.";
    private const string BadAgent = "serviceHost agent name must be lower-case letters, digits and inner hyphens, at most 54 characters.";
    private const string BadOrg = "serviceHost organization name must be lower-case letters, digits and inner hyphens, at most 63 characters.";

    [Fact]
    public void A_service_host_names_the_agent_then_the_organization()
    {
        Assert.True(AgentKey.TryParseServiceHost("support.acme", out var key, out var error));

        Assert.Equal(new AgentKey("acme", "support"), key);
        Assert.Equal("acme", key.Org);
        Assert.Equal("support", key.Agent);
        Assert.Equal(string.Empty, error);
    }

    [Theory]
    [InlineData("Support.ACME")]
    [InlineData("SUPPORT.acme")]
    [InlineData("support.Acme")]
    public void A_service_host_is_matched_case_insensitively(string serviceHost)
    {
        Assert.True(AgentKey.TryParseServiceHost(serviceHost, out var key, out _));

        Assert.Equal(new AgentKey("acme", "support"), key);
    }

    [Fact]
    public void Pipecat_clouds_documented_example_parses()
    {
        Assert.True(AgentKey.TryParseServiceHost("customer-support.industrious-purple-cat-12345", out var key, out _));

        Assert.Equal(new AgentKey("industrious-purple-cat-12345", "customer-support"), key);
    }

    [Fact]
    public void A_service_host_splits_at_its_first_dot_so_a_dotted_organization_is_refused()
    {
        Assert.False(AgentKey.TryParseServiceHost("a.b.c", out var key, out var error));

        Assert.Equal(BadOrg, error);
        Assert.Equal(default, key);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("support")]
    [InlineData("support/acme")]
    public void A_service_host_without_a_dot_is_refused(string? serviceHost)
    {
        Assert.False(AgentKey.TryParseServiceHost(serviceHost, out var key, out var error));

        Assert.Equal(NoDot, error);
        Assert.Equal(default, key);
    }

    [Theory]
    [InlineData(".acme")]
    [InlineData("-support.acme")]
    [InlineData("support-.acme")]
    [InlineData("customer_support.acme")]
    [InlineData("sup port.acme")]
    [InlineData("süpport.acme")]
    [InlineData("acme/support.acme")]
    public void A_service_host_with_a_bad_agent_name_is_refused(string serviceHost)
    {
        Assert.False(AgentKey.TryParseServiceHost(serviceHost, out var key, out var error));

        Assert.Equal(BadAgent, error);
        Assert.Equal(default, key);
    }

    [Theory]
    [InlineData("support.")]
    [InlineData("support.-acme")]
    [InlineData("support.acme-")]
    [InlineData("support.ac_me")]
    [InlineData("support.acme.com")]
    [InlineData("support.acme:443")]
    public void A_service_host_with_a_bad_organization_name_is_refused(string serviceHost)
    {
        Assert.False(AgentKey.TryParseServiceHost(serviceHost, out var key, out var error));

        Assert.Equal(BadOrg, error);
        Assert.Equal(default, key);
    }

    [Fact]
    public void The_agent_is_checked_before_the_organization()
    {
        Assert.False(AgentKey.TryParseServiceHost("_bad._bad", out _, out var error));

        Assert.Equal(BadAgent, error);
    }

    [Fact]
    public void An_agent_name_of_54_characters_is_accepted_and_55_refused()
    {
        var longest = "a" + new string('-', 52) + "z";
        Assert.Equal(54, longest.Length);

        Assert.True(AgentKey.TryParseServiceHost(longest + ".acme", out var key, out _));
        Assert.Equal(longest, key.Agent);

        Assert.False(AgentKey.TryParseServiceHost("b" + longest + ".acme", out _, out var error));
        Assert.Equal(BadAgent, error);
    }

    [Fact]
    public void An_organization_name_of_63_characters_is_accepted_and_64_refused()
    {
        var longest = new string('7', 63);

        Assert.True(AgentKey.TryParseServiceHost("support." + longest, out var key, out _));
        Assert.Equal(longest, key.Org);

        Assert.False(AgentKey.TryParseServiceHost("support.8" + longest, out _, out var error));
        Assert.Equal(BadOrg, error);
    }

    [Theory]
    [InlineData("a.b")]
    [InlineData("0.9")]
    [InlineData("a-b.c-d")]
    [InlineData("a--b.c--d")]
    public void Single_characters_digits_and_inner_hyphens_are_valid_names(string serviceHost)
    {
        Assert.True(AgentKey.TryParseServiceHost(serviceHost, out var key, out _));

        Assert.Equal(serviceHost, key.ServiceHost);
    }

    [Fact]
    public void A_registry_key_names_the_organization_then_the_agent()
    {
        Assert.True(AgentKey.TryParse("acme/support", out var key));

        Assert.Equal(new AgentKey("acme", "support"), key);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("acme")]
    [InlineData("support.acme")]
    [InlineData("/support")]
    [InlineData("acme/")]
    [InlineData("Acme/support")]
    [InlineData("acme/Support")]
    [InlineData("acme/support/extra")]
    [InlineData("ac_me/support")]
    [InlineData("acme/-support")]
    public void A_malformed_registry_key_is_refused(string? value)
    {
        Assert.False(AgentKey.TryParse(value, out var key));

        Assert.Equal(default, key);
    }

    [Fact]
    public void A_key_prints_in_both_spellings_and_round_trips()
    {
        var key = new AgentKey("acme", "support");

        Assert.Equal("acme/support", key.ToString());
        Assert.Equal("support.acme", key.ServiceHost);
        Assert.True(AgentKey.TryParse(key.ToString(), out var fromRegistry));
        Assert.True(AgentKey.TryParseServiceHost(key.ServiceHost, out var fromServiceHost, out _));
        Assert.Equal(key, fromRegistry);
        Assert.Equal(key, fromServiceHost);
    }
}
