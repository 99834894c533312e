using System.Globalization;
using Gateway.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace Gateway.Hosting;

/// <summary>
/// With <see cref="GatewayOptions.AdminPort"/> set, Kestrel listens on it too, on the same hosts and with the same scheme
/// as the public listener, however those were given (<c>ASPNETCORE_URLS</c>, <c>--urls</c>, <c>ASPNETCORE_HTTP_PORTS</c>
/// or the gateway's local default, <see cref="LocalDefaultUrl"/>). Unset, nothing changes: one listener, as <c>dotnet run</c> has it.
/// </summary>
/// <remarks>
/// The admin addresses are added to the <c>urls</c> setting rather than with <c>Listen()</c> in code, because an
/// address configured in code makes Kestrel ignore every URL from configuration, the public one included. Endpoints
/// from <c>Kestrel:Endpoints</c> replace the URLs in the same way, so with them the operator lists the admin endpoint
/// there too, and start-up stops when none is on the admin port.
/// </remarks>
internal static class AdminListenerAddresses
{
    /// <summary>
    /// Where the gateway listens when nothing says otherwise: the address of <c>dotnet run</c>'s launch profile, the
    /// simulator's default and the README's, rather than Kestrel's own localhost:5000, so that <c>dotnet Gateway.dll</c>
    /// answers where every local command expects it. Loopback only: elsewhere, <c>--urls</c> or
    /// <c>ASPNETCORE_HTTP_PORTS</c> (the container images' setting) choose.
    /// </summary>
    public const string LocalDefaultUrl = "http://127.0.0.1:8080";

    public static void Configure(WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (PublicUrls(builder.WebHost) is [LocalDefaultUrl] && builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().Any() is false)
        {
            builder.WebHost.UseUrls(LocalDefaultUrl);
        }

        // Unset, or not a port: then options validation stops start-up with the field named.
        var configured = builder.Configuration[$"{GatewayOptions.SectionName}:{nameof(GatewayOptions.AdminPort)}"];
        if (!int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var adminPort) || adminPort is < 1 or > 65535)
        {
            return;
        }

        var endpoints = builder.Configuration.GetSection("Kestrel:Endpoints").GetChildren().ToList();
        if (endpoints.Count > 0)
        {
            if (!endpoints.Any(e => e["Url"] is { } url && BindingAddress.Parse(url).Port == adminPort))
            {
                throw new InvalidOperationException(
                    $"Gateway:AdminPort is {adminPort}, but Kestrel:Endpoints, which replaces every other address, has no endpoint on that port. Add one (e.g. Kestrel:Endpoints:Admin:Url=http://0.0.0.0:{adminPort}).");
            }

            return;
        }

        var publicUrls = PublicUrls(builder.WebHost);
        var admin = new List<string>();
        foreach (var address in publicUrls.Select(BindingAddress.Parse))
        {
            if (address.IsUnixPipe)
            {
                throw new InvalidOperationException($"Gateway:AdminPort needs TCP addresses; {address} is a Unix socket. List the admin endpoint in Kestrel:Endpoints instead.");
            }

            if (address.Port == adminPort)
            {
                throw new InvalidOperationException($"Gateway:AdminPort {adminPort} is also the port of the public address {address}: give the admin listener a port of its own.");
            }

            // One admin address per host: two schemes cannot share a port, so the first public address's scheme wins.
            if (!admin.Any(url => BindingAddress.Parse(url).Host == address.Host))
            {
                admin.Add($"{address.Scheme}://{address.Host}:{adminPort}");
            }
        }

        builder.WebHost.UseUrls([.. publicUrls, .. admin]);
    }

    /// <summary>The addresses Kestrel would bind without an admin port, in its own order of precedence.</summary>
    private static List<string> PublicUrls(ConfigureWebHostBuilder host)
    {
        if (Split(host.GetSetting(WebHostDefaults.ServerUrlsKey)) is { Count: > 0 } urls)
        {
            return urls;
        }

        var ports = Split(host.GetSetting(WebHostDefaults.HttpPortsKey)).Select(port => $"http://*:{port}")
            .Concat(Split(host.GetSetting(WebHostDefaults.HttpsPortsKey)).Select(port => $"https://*:{port}"))
            .ToList();
        return ports.Count > 0 ? ports : [LocalDefaultUrl];
    }

    private static List<string> Split(string? value) =>
        [.. (value ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
