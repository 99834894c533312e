using System.Globalization;
using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.IdentityModel.JsonWebTokens;

namespace Gateway.Tests.Auth;

/// <summary>
/// A 401 says why: no token, an expired one (with when, in the problem and in WWW-Authenticate's error_description),
/// or one the gateway cannot trust; an expired token never gets the message of a forged one.
/// </summary>
public sealed class BearerChallengeTests
{
    private const string Agents = "/admin/v1/orgs/acme/agents";

    [Fact]
    public async Task An_expired_token_is_told_it_expired_and_when()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var twoHoursAgo = new ShiftedTimeProvider();
        twoHoursAgo.Advance(TimeSpan.FromHours(-2));
        var token = AdminTokens.Mint("acme", platformAdmin: false, time: twoHoursAgo, lifetime: TimeSpan.FromHours(1));
        var expiry = new JsonWebToken(token).ValidTo;

        var response = await new AdminClient(gateway, token).GetAsync(Agents);

        response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal(
            string.Create(CultureInfo.InvariantCulture, $"The bearer token expired at {expiry:yyyy-MM-ddTHH:mm:ssZ}; get a new one."),
            response.Json.GetProperty("detail").GetString());
        Assert.Equal(
            $"Bearer error=\"invalid_token\", error_description=\"The token expired at '{expiry.ToString(CultureInfo.InvariantCulture)}'\"",
            response.Headers["WWW-Authenticate"]);
    }

    [Fact]
    public async Task A_forged_token_is_not_told_it_expired()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
        var token = AdminTokens.Mint("acme", platformAdmin: false, key: AdminTokens.ForgedKey);

        var response = await new AdminClient(gateway, token).GetAsync(Agents);

        response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("The bearer token is not valid (not signed by a trusted key, or for another issuer or audience).", response.Json.GetProperty("detail").GetString());
        Assert.StartsWith("Bearer error=\"invalid_token\", error_description=\"The signature ", response.Headers["WWW-Authenticate"], StringComparison.Ordinal);
        Assert.DoesNotContain("expired", response.Headers["WWW-Authenticate"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_token_is_a_bare_challenge()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());

        var response = await new AdminClient(gateway, token: null).GetAsync(Agents);

        response.AssertProblem(HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("A bearer token is required.", response.Json.GetProperty("detail").GetString());
        Assert.Equal("Bearer", response.Headers["WWW-Authenticate"]);
    }
}
