using Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Tests.Hosting;

/// <summary>
/// Where Kestrel listens with <c>Gateway:AdminPort</c>: the public addresses however they were given, plus the admin
/// port on the same hosts with the same scheme; without it, exactly what was given, and with nothing given the address
/// every local command expects, http://127.0.0.1:8080 (not Kestrel's localhost:5000).
/// </summary>
public sealed class AdminPortAddressTests
{
    [Theory]
    [InlineData("--urls=http://127.0.0.1:8080", "http://127.0.0.1:8080")]
    [InlineData("--http_ports=8080", null)]
    [InlineData(null, "http://127.0.0.1:8080")]
    public void Without_an_admin_port_the_addresses_are_left_as_given_and_none_is_the_local_8080(string? argument, string? expected)
    {
        Assert.Equal(expected, Urls(argument is null ? [] : [argument]));
    }

    [Theory]
    [InlineData("--urls=http://127.0.0.1:8080", "http://127.0.0.1:8080;http://127.0.0.1:9090")]
    [InlineData("--urls=https://+:8443", "https://+:8443;https://+:9090")]
    [InlineData("--urls=http://[::]:8080;http://0.0.0.0:8080", "http://[::]:8080;http://0.0.0.0:8080;http://[::]:9090;http://0.0.0.0:9090")]
    [InlineData("--urls=http://0.0.0.0:8080;https://0.0.0.0:8443", "http://0.0.0.0:8080;https://0.0.0.0:8443;http://0.0.0.0:9090")]
    [InlineData("--http_ports=8080", "http://*:8080;http://*:9090")]
    [InlineData("--https_ports=8443", "https://*:8443;https://*:9090")]
    public void The_admin_port_listens_on_the_public_hosts_with_their_scheme(string argument, string expected)
    {
        Assert.Equal(expected, Urls([argument, "--Gateway:AdminPort=9090"]));
    }

    [Fact]
    public void With_no_address_given_the_admin_port_joins_the_local_default()
    {
        Assert.Equal("http://127.0.0.1:8080;http://127.0.0.1:9090", Urls(["--Gateway:AdminPort=9090"]));
    }

    [Fact]
    public void An_admin_port_that_is_also_the_public_port_stops_start_up()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Urls(["--urls=http://0.0.0.0:8080", "--Gateway:AdminPort=8080"]));
        Assert.Contains("Gateway:AdminPort 8080", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kestrel_endpoints_must_name_the_admin_port_themselves()
    {
        string[] endpoints = ["--Kestrel:Endpoints:Public:Url=http://0.0.0.0:8080", "--Gateway:AdminPort=9090"];
        var error = Assert.Throws<InvalidOperationException>(() => Urls(endpoints));
        Assert.Contains("Kestrel:Endpoints", error.Message, StringComparison.Ordinal);

        // Named there, the endpoints are Kestrel's to bind: the URLs are left alone.
        Assert.Null(Urls([.. endpoints, "--Kestrel:Endpoints:Admin:Url=http://0.0.0.0:9090"]));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("admin")]
    public async Task An_admin_port_out_of_range_stops_start_up_with_the_field_named(string port)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            Infrastructure.GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["Gateway:AdminPort"] = port }));
        Assert.True(error is OptionsValidationException or InvalidOperationException, error.ToString());
        Assert.Contains("AdminPort", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The <c>urls</c> setting Kestrel will bind, after the gateway's start-up configuration.</summary>
    private static string? Urls(string[] arguments)
    {
        var app = GatewayApplication.Build(arguments);
        try
        {
            return app.Configuration["urls"];
        }
        finally
        {
            ((IDisposable)app).Dispose();
        }
    }
}
