using System.Net;
using Gateway.Admin;
using Gateway.Tenants;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Admin;

/// <summary><see cref="TenantTelnyxService"/> over the in-memory tenant store: secrets go in, never come out.</summary>
public sealed class TenantTelnyxServiceTests
{
    private const string Path = "/admin/v1/orgs/acme/telnyx";
    private const string PublicKey = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

    private readonly InMemoryTenantSettingsStore _store = new();

    private TenantTelnyxService Service => new(_store, TimeProvider.System);

    [Fact]
    public async Task Settings_written_are_stored_and_answered_without_their_secrets()
    {
        var context = EdgeRequests.Create("PUT", Path, $$"""{"apiKey":"KEY-secret","webhookPublicKey":"{{PublicKey}}","connectionId":"1234"}""");

        var answer = await context.AnswerAsync(await Service.PutAsync(new OrgRequest("acme", context)));

        answer.AssertStatus(HttpStatusCode.OK);
        Assert.DoesNotContain("KEY-secret", answer.Body, StringComparison.Ordinal);
        Assert.True(answer.Json.GetProperty("apiKeySet").GetBoolean());
        Assert.True(answer.Json.GetProperty("webhookPublicKeySet").GetBoolean());
        Assert.Equal("1234", answer.Json.GetProperty("connectionId").GetString());
        Assert.Equal("KEY-secret", (await _store.GetAsync("acme"))!.ApiKey);
    }

    [Fact]
    public async Task Each_bad_field_is_named_and_nothing_is_stored()
    {
        var context = EdgeRequests.Create("PUT", Path, """{"apiKey":"has space","webhookPublicKey":"c2hvcnQ=","connectionId":"a/b"}""");

        var answer = await context.AnswerAsync(await Service.PutAsync(new OrgRequest("acme", context)));

        Assert.Equal(["apiKey", "connectionId", "webhookPublicKey"], answer.ValidationErrors());
        Assert.Null(await _store.GetAsync("acme"));
    }

    [Fact]
    public async Task No_settings_is_404_on_read_and_delete()
    {
        var read = EdgeRequests.Create("GET", Path);
        var delete = EdgeRequests.Create("DELETE", Path);

        var readAnswer = await read.AnswerAsync(await Service.GetAsync(new OrgRequest("acme", read)));
        var deleteAnswer = await delete.AnswerAsync(await Service.DeleteAsync(new OrgRequest("acme", delete)));

        readAnswer.AssertProblem(HttpStatusCode.NotFound, "not_found");
        Assert.Equal("Organization 'acme' has no Telnyx settings.", readAnswer.Json.GetProperty("detail").GetString());
        deleteAnswer.AssertProblem(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_body_that_is_not_JSON_is_415()
    {
        var context = EdgeRequests.Create("PUT", Path, "apiKey=KEY", contentType: "application/x-www-form-urlencoded");

        var answer = await context.AnswerAsync(await Service.PutAsync(new OrgRequest("acme", context)));

        answer.AssertProblem(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
    }
}
