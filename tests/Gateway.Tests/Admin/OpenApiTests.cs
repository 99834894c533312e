using System.Net;
using Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Tests.Admin;

/// <summary>The admin API's OpenAPI document is public and lists exactly the admin routes the gateway maps.</summary>
public sealed class OpenApiTests
{
    [Fact]
    public async Task The_document_lists_every_mapped_admin_route_and_method()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());

        var response = await new AdminClient(gateway, token: null).GetAsync("/admin/v1/openapi.json");

        response.AssertStatus(HttpStatusCode.OK);
        Assert.Equal("application/json", response.ContentType);
        var documented = response.Json.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => $"{operation.Name.ToUpperInvariant()} {path.Name}"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var mapped = gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/admin/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(method => $"{method} {e.RoutePattern.RawText}"))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal(16, mapped.Count);
        Assert.Equal(mapped, documented);
    }

    [Fact]
    public async Task The_document_declares_bearer_JWT_security()
    {
        await using var gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());

        var document = (await new AdminClient(gateway, token: null).GetAsync("/admin/v1/openapi.json")).AssertStatus(HttpStatusCode.OK).Json;

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.Equal("JWT", scheme.GetProperty("bearerFormat").GetString());
        var requirement = Assert.Single(document.GetProperty("security").EnumerateArray());
        Assert.Equal(["bearer"], requirement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Telnyx voice gateway admin API", document.GetProperty("info").GetProperty("title").GetString());
    }

    [Fact]
    public async Task The_document_is_served_even_with_no_auth_configured()
    {
        await using var gateway = await GatewayHost.StartAsync();

        var response = await new AdminClient(gateway, token: null).GetAsync("/admin/v1/openapi.json");

        response.AssertStatus(HttpStatusCode.OK);
        Assert.True(response.Json.GetProperty("paths").EnumerateObject().Any());
    }
}
