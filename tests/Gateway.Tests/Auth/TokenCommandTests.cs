using System.Net;
using Gateway.Auth;
using Gateway.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gateway.Tests.Auth;

/// <summary><c>Gateway.dll token …</c>, run in-process: the tokens it prints work against the admin API and expire per --ttl.</summary>
public sealed class TokenCommandTests
{
    private const string KeyArgument = "--Auth:SigningKey=" + AdminTokens.SigningKey;

    [Fact]
    public async Task An_org_token_manages_that_org_only()
    {
        var token = Mint("--org", "acme", KeyArgument);
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var client = new AdminClient(gateway, token);

        (await client.PutAsync("/admin/v1/orgs/acme/agents/support", "{}")).AssertStatus(HttpStatusCode.Created);
        (await client.GetAsync("/admin/v1/orgs/acme/agents")).AssertStatus(HttpStatusCode.OK);
        (await client.GetAsync("/admin/v1/orgs/globex/agents")).AssertProblem(HttpStatusCode.NotFound, "not_found");
        var jwt = new JsonWebToken(token);
        Assert.Equal("acme", jwt.GetClaim("org").Value);
        Assert.False(jwt.TryGetClaim("role", out _));
        Assert.Equal("gateway", jwt.Issuer);
        Assert.Equal(["gateway"], jwt.Audiences);
        Assert.Equal("gateway-cli", jwt.Subject);
    }

    [Fact]
    public async Task A_platform_admin_token_manages_every_org()
    {
        var token = Mint("--platform-admin", "--sub", "ops@example.com", KeyArgument);
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var client = new AdminClient(gateway, token);

        (await client.PutAsync("/admin/v1/orgs/acme/agents/support", "{}")).AssertStatus(HttpStatusCode.Created);
        (await client.PutAsync("/admin/v1/orgs/globex/agents/sales", "{}")).AssertStatus(HttpStatusCode.Created);
        Assert.Equal("""{"orgs":[{"name":"acme","agents":1},{"name":"globex","agents":1}]}""", (await client.GetAsync("/admin/v1/orgs")).AssertStatus(HttpStatusCode.OK).Body);
        var jwt = new JsonWebToken(token);
        Assert.Equal("platform-admin", jwt.GetClaim("role").Value);
        Assert.False(jwt.TryGetClaim("org", out _));
        Assert.Equal("ops@example.com", jwt.Subject);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        var token = Mint("--org", "acme", "--Auth:SigningKey=" + AdminTokens.ForgedKey);
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());

        (await new AdminClient(gateway, token).GetAsync("/admin/v1/orgs/acme/agents")).AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData(null, 3600)]
    [InlineData("1h", 3600)]
    [InlineData("30m", 1800)]
    [InlineData("3600s", 3600)]
    [InlineData("2d", 172_800)]
    [InlineData("1.5h", 5400)]
    [InlineData("00:10:00", 600)]
    public void Tokens_expire_per_ttl(string? ttl, int seconds)
    {
        var before = DateTimeOffset.UtcNow;
        var token = Mint(ttl is null ? ["--org", "acme", KeyArgument] : ["--org", "acme", "--ttl", ttl, KeyArgument]);

        var jwt = new JsonWebToken(token);
        var issued = jwt.GetPayloadValue<long>("iat");
        var expires = jwt.GetPayloadValue<long>("exp");
        Assert.Equal(seconds, expires - issued);
        Assert.InRange(issued, before.ToUnixTimeSeconds(), DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        Assert.Equal(issued, jwt.GetPayloadValue<long>("nbf"));
    }

    [Fact]
    public void Without_a_signing_key_it_exits_1()
    {
        var (exit, output, error) = Run("--org", "acme", "--Auth:SigningKey=");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.StartsWith("Auth:SigningKey is not set", error, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_signing_key_under_32_bytes_it_exits_1()
    {
        var (exit, output, error) = Run("--org", "acme", "--Auth:SigningKey=0123456789abcdef0123456789abcde");

        Assert.Equal(1, exit);
        Assert.Equal(string.Empty, output);
        Assert.Equal("Auth:SigningKey must be at least 32 bytes of UTF-8." + Environment.NewLine, error);
    }

    [Theory]
    [InlineData("both --org and --platform-admin", new[] { "--org", "acme", "--platform-admin" })]
    [InlineData("neither --org nor --platform-admin", new string[0])]
    [InlineData("--org with an invalid name", new[] { "--org", "Acme" })]
    [InlineData("--org without a value", new[] { "--org" })]
    [InlineData("an unknown argument", new[] { "--org", "acme", "--admin" })]
    [InlineData("--ttl not a duration", new[] { "--org", "acme", "--ttl", "soon" })]
    [InlineData("--ttl zero", new[] { "--org", "acme", "--ttl", "0h" })]
    [InlineData("--ttl negative", new[] { "--org", "acme", "--ttl", "-1h" })]
    [InlineData("--ttl unknown unit", new[] { "--org", "acme", "--ttl", "3w" })]
    [InlineData("--ttl beyond any date", new[] { "--org", "acme", "--ttl", "1e9d" })]
    [InlineData("--ttl infinite", new[] { "--org", "acme", "--ttl", "Infinityh" })]
    [InlineData("--ttl not a number", new[] { "--org", "acme", "--ttl", "NaNs" })]
    [InlineData("--ttl over ten years", new[] { "--org", "acme", "--ttl", "3651d" })]
    [InlineData("--ttl without a value", new[] { "--org", "acme", "--ttl" })]
    public void Bad_arguments_exit_2_with_nothing_printed(string why, string[] args)
    {
        _ = why;
        var (exit, output, error) = Run([KeyArgument, .. args]);

        Assert.Equal(2, exit);
        Assert.Equal(string.Empty, output);
        Assert.NotEqual(string.Empty, error);
    }

    [Fact]
    public void Help_prints_the_usage()
    {
        var (exit, output, error) = Run("--help");

        Assert.Equal(0, exit);
        Assert.StartsWith("usage: Gateway.dll token (--org <org> | --platform-admin)", output, StringComparison.Ordinal);
        Assert.Equal(string.Empty, error);
    }

    private static string Mint(params string[] args)
    {
        var (exit, output, error) = Run(args);
        Assert.True(exit == 0, error);
        Assert.Equal(string.Empty, error);
        var lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        return Assert.Single(lines);
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = TokenCommand.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
