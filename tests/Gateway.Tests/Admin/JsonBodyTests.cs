using System.Net;
using Gateway.Tests.Infrastructure;

namespace Gateway.Tests.Admin;

/// <summary>
/// Core/RequestJson through the admin API: a body that is not JSON is refused with where and how in words
/// (invalid_json); one that is JSON but wrong has every field at fault named at once, whatever the kind of fault.
/// </summary>
public sealed class JsonBodyTests(JsonBodyTests.Fixture fixture) : IClassFixture<JsonBodyTests.Fixture>
{
    private const string Agent = "/admin/v1/orgs/acme/agents/support";

    public static TheoryData<string, string, int, int> NotJson => new()
    {
        { """{"maxConcurrentCalls":3""", "The body is not valid JSON: it ends before the JSON value is complete at line 1, byte 24.", 1, 24 },
        { "{\n  \"enabled\": true,\n}", "The body is not valid JSON: a trailing comma before '}' at line 3, byte 1.", 3, 1 },
        { """{"phoneNumbers":["+15550001001",]}""", "The body is not valid JSON: a trailing comma before ']' at line 1, byte 33.", 1, 33 },
        { """{"enabled":true /* on */}""", "The body is not valid JSON: unexpected '/' at line 1, byte 17.", 1, 17 },
        { """{enabled:true}""", "The body is not valid JSON: unexpected 'e' at line 1, byte 2.", 1, 2 },
        { "  ", "The body is empty: send a JSON object.", 1, 3 },
    };

    [Theory]
    [MemberData(nameof(NotJson))]
    public async Task A_body_that_is_not_JSON_is_invalid_json_with_line_and_byte_in_words(string body, string detail, int line, int column)
    {
        var before = fixture.Revision();

        var response = await fixture.Admin.PutAsync(Agent, body);

        response.AssertProblem(HttpStatusCode.BadRequest, "invalid_json");
        var problem = response.Json;
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
        Assert.Equal(line, problem.GetProperty("line").GetInt32());
        Assert.Equal(column, problem.GetProperty("byte").GetInt32());
        Assert.DoesNotContain("LineNumber", response.Body, StringComparison.Ordinal);
        Assert.Equal(before, fixture.Revision());
    }

    [Fact]
    public async Task An_enumeration_error_lists_the_values_and_hides_no_other_error()
    {
        var response = await fixture.Admin.PutAsync(Agent,
            """{"streamAuth":"tokn","maxConcurrentCalls":0,"onBotFailure":{"action":"explode"},"enabled":"yes","texml":{"codec":"MP3"},"colour":"blue"}""");

        Assert.Equal(["colour", "enabled", "maxConcurrentCalls", "onBotFailure.action", "streamAuth", "texml.codec"], response.ValidationErrors());
        var errors = response.Json.GetProperty("errors");
        Assert.Equal("""["must be one of none, token."]""", errors.GetProperty("streamAuth").GetRawText());
        Assert.Equal("""["must be one of none, hangup, transfer."]""", errors.GetProperty("onBotFailure.action").GetRawText());
        Assert.Equal("""["must be true or false."]""", errors.GetProperty("enabled").GetRawText());
        Assert.Equal("""["is not a field of this resource."]""", errors.GetProperty("colour").GetRawText());
        Assert.Equal("""["must be between 1 and 100000."]""", errors.GetProperty("maxConcurrentCalls").GetRawText());
    }

    [Fact]
    public async Task Wrong_JSON_types_are_named_by_what_the_field_takes()
    {
        var response = await fixture.Admin.PutAsync(Agent,
            """{"maxConcurrentCalls":"10","phoneNumbers":"+15550001001","texml":[],"instances":[{"id":"a","url":"ws://h/ws","capacity":1.5}]}""");

        Assert.Equal(["instances[0].capacity", "maxConcurrentCalls", "phoneNumbers", "texml"], response.ValidationErrors());
        var errors = response.Json.GetProperty("errors");
        Assert.Equal("""["must be a JSON integer."]""", errors.GetProperty("maxConcurrentCalls").GetRawText());
        Assert.Equal("""["must be a JSON integer."]""", errors.GetProperty("instances[0].capacity").GetRawText());
        Assert.Equal("""["must be a JSON array."]""", errors.GetProperty("phoneNumbers").GetRawText());
        Assert.Equal("""["must be a JSON object."]""", errors.GetProperty("texml").GetRawText());
    }

    [Fact]
    public async Task A_repeated_property_is_invalid_json()
    {
        var response = await fixture.Admin.PutAsync(Agent, """{"enabled":true,"enabled":false}""");

        response.AssertProblem(HttpStatusCode.BadRequest, "invalid_json");
        Assert.Equal("The body is not valid JSON: a property appears twice in one object.", response.Json.GetProperty("detail").GetString());
    }

    public sealed class Fixture : IAsyncLifetime
    {
        public GatewayHost Gateway { get; private set; } = null!;

        public AdminClient Admin { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Gateway = await GatewayHost.StartAsync(settings: AdminTokens.Settings());
            Admin = new AdminClient(Gateway, AdminTokens.PlatformAdmin());
            (await Admin.PutAsync(Agent, "{}")).AssertStatus(HttpStatusCode.Created);
        }

        public async Task DisposeAsync() => await Gateway.DisposeAsync();

        public long Revision() => Gateway.Registry.Current.TryGet(new("acme", "support"), out var agent) ? agent.Revision : 0;
    }
}
